"""Security checks of the package and of the scripts around it, one row per check.

Static rows read the source (Python's ``ast``, so comments, docstrings and method names such as
``re.compile`` or ``model.compile`` do not count); dynamic rows build the hostile thing and try it:
a ``.keras`` / ``.h5`` file with a ``Lambda`` layer must be refused by
``cnnlab.pretrained.load_classifier`` without running its code, ``_download.check_url`` must
refuse plain HTTP to other machines, and the test JupyterLab must get a fresh random token.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.reliability("security")

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "cnnlab"
THIS_FILE = Path(__file__).resolve()


def package_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def where(path: Path, node) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


def dotted(node) -> str:
    """``a.b.c`` for a Name/Attribute chain (a call in the chain as ``f()``), else ''."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Call):  # tarfile.open(p).extractall -> "tarfile.open().extractall"
        base = dotted(node.func)
        parts.append(f"{base}()" if base else "()")
        return ".".join(reversed(parts))
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def calls(path: Path):
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.Call):
            yield node, dotted(node.func)


def keyword(call: ast.Call, name: str):
    return next((k.value for k in call.keywords if k.arg == name), None)


def is_constant(node, value) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


# ----------------------------------------------------------------------------- static checks of cnnlab/


def check_no_eval_of_text():
    found = []
    for path in package_files():
        for call, name in calls(path):
            if name in ("eval", "exec", "compile", "builtins.eval", "builtins.exec", "builtins.compile"):
                literal = call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)
                if not literal:
                    found.append(f"{where(path, call)}: {name}() of non-literal text")
    return found


def check_no_pickle():
    found = []
    for path in package_files():
        for node in ast.walk(parsed(path)):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                if name.split(".")[0] in ("pickle", "cPickle", "_pickle", "dill", "cloudpickle", "shelve", "marshal"):
                    found.append(f"{where(path, node)}: imports {name}")
        for call, name in calls(path):
            if name.endswith(("pickle.load", "pickle.loads", "pickle.Unpickler", "pd.read_pickle", "pandas.read_pickle")):
                found.append(f"{where(path, call)}: {name}()")
    return found


def check_no_allow_pickle():
    found = []
    for path in package_files():
        for call, name in calls(path):
            value = keyword(call, "allow_pickle")
            if value is not None and not is_constant(value, False):
                found.append(f"{where(path, call)}: {name}(allow_pickle=...) other than False")
    return found


def check_no_joblib():
    found = [f"{path.relative_to(ROOT)}" for path in package_files()
             if re.search(r"^\s*(import joblib|from joblib\b)", path.read_text(encoding="utf-8"), re.M)]
    for path in package_files():
        for call, name in calls(path):
            if name.startswith("joblib.") or name.endswith("torch.load"):
                found.append(f"{where(path, call)}: {name}()")
    return found


def check_no_unsafe_yaml():
    found = []
    safe = ("SafeLoader", "CSafeLoader", "BaseLoader")
    for path in package_files():
        for call, name in calls(path):
            if name.endswith(("yaml.unsafe_load", "yaml.full_load", "yaml.unsafe_load_all", "yaml.full_load_all")):
                found.append(f"{where(path, call)}: {name}()")
            elif name.endswith(("yaml.load", "yaml.load_all")):
                loader = keyword(call, "Loader") or (call.args[1] if len(call.args) > 1 else None)
                if loader is None or dotted(loader).split(".")[-1] not in safe:
                    found.append(f"{where(path, call)}: {name}() without SafeLoader")
    return found


def check_no_shell():
    found = []
    for path in package_files():
        for call, name in calls(path):
            shell = keyword(call, "shell")
            if shell is not None and not is_constant(shell, False):
                found.append(f"{where(path, call)}: {name}(shell=...)")
            if name in ("os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput"):
                found.append(f"{where(path, call)}: {name}() runs a shell")
    return found


def check_load_model_safe_mode():
    found, seen = [], 0
    for path in package_files():
        for call, name in calls(path):
            if name.split(".")[-1] in ("load_model", "load_model_from_hdf5"):
                seen += 1
                if not is_constant(keyword(call, "safe_mode"), True):
                    found.append(f"{where(path, call)}: {name}() without an explicit safe_mode=True")
    assert seen, "no load_model call found: the scan is broken"
    return found


def check_archives_only_through_safe_extract():
    """Archives are unpacked member by member, with path checks, in _download.safe_extract only."""
    found = []
    for path in package_files():
        for call, name in calls(path):
            if name.split(".")[-1] in ("extractall", "extract", "unpack_archive"):
                if not (path.name == "_download.py" or name.endswith("safe_extract")):
                    found.append(f"{where(path, call)}: {name}() outside _download.safe_extract")
    return found


_HTTP = re.compile(r"http://([^/\s\"'<>?#]*)", re.I)
_LOOPBACK = re.compile(r"^(?:[^@]*@)?(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$", re.I)
#: XML namespace names look like URLs but are never fetched.
_NAMESPACES = ("www.w3.org",)


def docstring_nodes(tree) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def check_https_only_literals():
    """No http:// address in cnnlab's code except loopback (docstrings may show refused examples)."""
    found = []
    for path in sorted(PACKAGE.rglob("*")):
        if not path.is_file() or path.suffix in (".pyc",) or "__pycache__" in path.parts:
            continue
        if path.suffix == ".py":
            tree = parsed(path)
            skip = docstring_nodes(tree)
            texts = [(node.lineno, node.value) for node in ast.walk(tree)
                     if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip]
            texts += [(node.lineno, "".join(v.value for v in node.values if isinstance(v, ast.Constant)))
                      for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)]
        else:
            try:
                texts = [(1, path.read_text(encoding="utf-8"))]
            except UnicodeDecodeError:
                continue
        for line, text in texts:
            for host in _HTTP.findall(text):
                if host and not _LOOPBACK.match(host) and host.lower() not in _NAMESPACES:
                    found.append(f"{path.relative_to(ROOT)}:{line}: http://{host}")
    return found


# ----------------------------------------------------------------------------- dynamic checks


def _lambda_model_file(tmp_path, suffix):
    import keras

    marker = tmp_path / "the_lambda_ran"
    target = str(marker)
    inputs = keras.Input((8, 8, 3))
    # Python code inside the file: it would create `marker` if it ever ran.
    x = keras.layers.Lambda(lambda t: (open(target, "a").close(), t)[1] * 2.0, name="payload")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, keras.layers.Dense(1000, activation="softmax")(x))
    marker.unlink()  # building the model ran it once, here, on purpose
    path = tmp_path / f"innocent{suffix}"
    model.save(path)
    return path, marker


def refuse_lambda(tmp_path, suffix=".keras", unsafe_enabled=False):
    import keras
    from keras.src.backend.common import global_state

    from cnnlab import pretrained

    path, marker = _lambda_model_file(tmp_path, suffix)
    previous = global_state.get_global_attribute("safe_mode_saving")
    if unsafe_enabled:  # a learner ran keras.config.enable_unsafe_deserialization() earlier in the notebook
        keras.config.enable_unsafe_deserialization()
    try:
        pretrained.load_classifier(path)
    except ValueError as error:
        message = str(error)
    else:
        ran = "; the Lambda's code RAN while loading" if marker.exists() else ""
        return [f"load_classifier loaded {path.name}, a file with a Lambda layer{ran}"]
    finally:
        global_state.set_global_attribute("safe_mode_saving", previous)
    problems = []
    if not re.search(r"safe[_ ]mode", message, re.I):
        problems.append(f"the refusal does not mention safe mode: {message!r}")
    if path.name not in message:
        problems.append(f"the refusal does not name the file: {message!r}")
    if marker.exists():
        problems.append("the Lambda layer's code ran while the file was loaded")
    return problems


def check_url_refuses_plain_http():
    from cnnlab._download import check_url

    refused = ["http://example.org/data.gz", "HTTP://EXAMPLE.ORG/data.gz", "http://127.0.0.1.evil.example/x",
               "http://localhost.evil.example/x", "http://10.0.0.1/x", "http://0.0.0.0/x", "http://[::ffff:8.8.8.8]/x",
               "ftp://example.org/x", "file:///etc/passwd", "https:///no-host", "//example.org/x", "example.org/x"]
    allowed = ["https://example.org/data.gz", "http://127.0.0.1:8000/x", "http://localhost/x", "http://[::1]:9/x"]
    problems = []
    for url in refused:
        try:
            check_url(url)
            problems.append(f"check_url accepted {url!r}")
        except ValueError as error:
            if "HTTPS" not in str(error):
                problems.append(f"check_url refused {url!r} without saying HTTPS is required: {error}")
    for url in allowed:
        try:
            assert check_url(url) == url
        except ValueError as error:
            problems.append(f"check_url refused {url!r}: {error}")
    return problems


#: An empty token: a command-line flag with nothing after "=", or an assignment of an empty string.
_EMPTY_TOKEN = re.compile(r"""--[\w.]*token=(?:''|""|(?=[\s\\;]|$))|\btoken["']?\s*[:=]\s*(?:''|"")""", re.M | re.I)


def check_no_empty_token():
    """No way of starting Jupyter without a token in the Makefile, binder/, tools/, tests/ or benchmarks/."""
    files = [ROOT / "Makefile"]
    for folder in ("binder", "tools", "tests", "benchmarks"):
        files += [p for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    found = []
    for path in files:
        if path.resolve() == THIS_FILE or path.suffix in (".pyc", ".png", ".jpg", ".gz", ".keras", ".h5"):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for match in _EMPTY_TOKEN.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)!r}")
        for match in re.finditer(r"disable_check_xsrf\s*=\s*True|--ServerApp\.password\s*=\s*(?:''|\"\")", text):
            found.append(f"{path.relative_to(ROOT)}: {match.group(0)!r}")
    return found


def check_test_lab_gets_a_random_token():
    """tests/browser/jupyterlab.py: start it with Popen faked, read the command line it would run."""
    import subprocess

    from tests.browser import jupyterlab as lab

    commands = []

    class NotStarted:
        returncode, pid = 1, -1

        def __init__(self, command, **kwargs):
            commands.append(list(command))

        def poll(self):
            return 1

    real = lab.subprocess.Popen
    lab.subprocess.Popen = NotStarted
    try:
        for _ in range(2):
            with pytest.raises(RuntimeError, match="JupyterLab exited"):
                with lab.jupyterlab():
                    pass
    finally:
        lab.subprocess.Popen = real
    assert lab.subprocess is subprocess
    problems = []
    tokens = []
    for command in commands:
        options = dict(part.split("=", 1) for part in command if part.startswith("--") and "=" in part)
        token = options.get("--IdentityProvider.token") or options.get("--ServerApp.token")
        if not token or not re.fullmatch(r"[0-9a-f]{32,}", token):
            problems.append(f"no random token of 32+ hex digits in {command}")
        tokens.append(token)
        if options.get("--ServerApp.ip") != "127.0.0.1":
            problems.append(f"the test JupyterLab does not listen on 127.0.0.1 only: {command}")
    if len(set(tokens)) != len(tokens):
        problems.append(f"the same token twice: {tokens}")
    return problems


CHECKS = {
    "no eval/exec/compile of non-literal text in cnnlab": lambda tmp_path: check_no_eval_of_text(),
    "no pickle (import or load) in cnnlab": lambda tmp_path: check_no_pickle(),
    "no np.load(allow_pickle=True) in cnnlab": lambda tmp_path: check_no_allow_pickle(),
    "no joblib (or torch.load) in cnnlab": lambda tmp_path: check_no_joblib(),
    "no yaml.load without SafeLoader in cnnlab": lambda tmp_path: check_no_unsafe_yaml(),
    "no shell=True, os.system or os.popen in cnnlab": lambda tmp_path: check_no_shell(),
    "every load_model passes safe_mode=True": lambda tmp_path: check_load_model_safe_mode(),
    "archives unpacked only by _download.safe_extract": lambda tmp_path: check_archives_only_through_safe_extract(),
    "a .keras file with a Lambda layer is refused": lambda tmp_path: refuse_lambda(tmp_path, ".keras"),
    "a .h5 file with a Lambda layer is refused": lambda tmp_path: refuse_lambda(tmp_path, ".h5"),
    "a Lambda layer is refused even after enable_unsafe_deserialization()":
        lambda tmp_path: refuse_lambda(tmp_path, ".keras", unsafe_enabled=True),
    "no http:// address in cnnlab except loopback": lambda tmp_path: check_https_only_literals(),
    "check_url refuses plain HTTP to other hosts": lambda tmp_path: check_url_refuses_plain_http(),
    "JupyterLab never started with an empty token": lambda tmp_path: check_no_empty_token(),
    "the test JupyterLab gets a fresh random token on 127.0.0.1": lambda tmp_path: check_test_lab_gets_a_random_token(),
}


#: Checks known to fail, each with its reason (none today).
KNOWN: dict = {}


@pytest.mark.parametrize("check", [pytest.param(name, marks=KNOWN.get(name, ())) for name in CHECKS], ids=list(CHECKS))
def test_security(check, tmp_path):
    problems = CHECKS[check](tmp_path)
    assert not problems, f"{check}:\n  " + "\n  ".join(problems)


# ----------------------------------------------------------------------------- the scanners can fail


@pytest.mark.parametrize(("source", "scanner"), [
    ("eval(text)", check_no_eval_of_text),
    ("exec(compile(code, 'f', 'exec'))", check_no_eval_of_text),
    ("import pickle\npickle.loads(b)", check_no_pickle),
    ("import numpy as np\nnp.load(p, allow_pickle=True)", check_no_allow_pickle),
    ("import joblib\njoblib.load(p)", check_no_joblib),
    ("import yaml\nyaml.load(s)", check_no_unsafe_yaml),
    ("import yaml\nyaml.load(s, Loader=yaml.Loader)", check_no_unsafe_yaml),
    ("import subprocess\nsubprocess.run(cmd, shell=True)", check_no_shell),
    ("import keras\nkeras.models.load_model(p)", check_load_model_safe_mode),
    ("import keras\nkeras.models.load_model(p, safe_mode=flag)", check_load_model_safe_mode),
    ("import tarfile\ntarfile.open(p).extractall(d)", check_archives_only_through_safe_extract),
    ("URL = 'http://example.org/data.gz'", check_https_only_literals),
])
def test_each_scanner_finds_what_it_looks_for(source, scanner, tmp_path, monkeypatch):
    """Each static check, run on a package holding one bad line, reports it (and is silent on the clean one)."""
    import sys

    package = tmp_path / "cnnlab"
    package.mkdir()
    (package / "bad.py").write_text(source + "\n")
    (package / "ok.py").write_text("import keras\nimport re\nre.compile('x')\nkeras.models.load_model(p, safe_mode=True)\n"
                                   "model.compile('sgd')\nNS = 'http://www.w3.org/2000/svg'\nLOCAL = 'http://127.0.0.1:8000/'\n")
    module = sys.modules[__name__]
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "PACKAGE", package)
    found = scanner()
    assert found and all("bad.py" in entry for entry in found), found


def test_the_token_scanner_finds_empty_tokens(tmp_path, monkeypatch):
    import sys

    module = sys.modules[__name__]
    (tmp_path / "tools").mkdir()
    bad = ["jupyter lab --ServerApp.token=''", 'jupyter notebook --NotebookApp.token=""',
           "jupyter lab --IdentityProvider.token=", "c.ServerApp.token = ''"]
    (tmp_path / "Makefile").write_text("lab:\n\tjupyter lab --ServerApp.token=$(TOKEN)\n")
    (tmp_path / "tools" / "start.sh").write_text("\n".join(bad) + "\n")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    found = check_no_empty_token()
    assert len(found) == len(bad) and all("tools/start.sh" in entry for entry in found), found
