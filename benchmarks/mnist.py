"""Exercise 7's reference recipe on MNIST (or Fashion-MNIST): test accuracy, wall time, device.

Trains exactly what notebook 07 trains in normal mode - ``cnnlab.training.train_reference``:
the small ``mnist_cnn`` (three conv-BN-ReLU-pool blocks, dropout), random shifts, rotations and
zooms, Adam with a one-cycle learning rate, 12 epochs of batch 128 - on the first 55,000
training images (the last 5,000 are the validation set the notebook's curves show), then
evaluates once on the 10,000 test images. ``--ensemble K`` trains K such models with different
seeds and also reports the accuracy of their averaged probabilities. On a GPU it runs unchanged.

Usage: python benchmarks/mnist.py [--dataset mnist|fashion] [--epochs 12] [--ensemble 1] [--seed 42]
       [--filters 32,48,96]
Last line: key=value figures, e.g. ``test_accuracy=0.9952 wall_s=561 train_s=540 ... device=CPU``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

START = time.perf_counter()


def main(default_dataset: str = "mnist", default_filters: str = "32,48,96",
         default_architecture: str = "mnist_cnn") -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=("mnist", "fashion"), default=default_dataset)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--ensemble", type=int, default=1, help="train this many models and average them")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--architecture", choices=("mnist_cnn", "fashion_cnn"), default=default_architecture)
    parser.add_argument("--filters", default=default_filters, help="filters per block, e.g. 32,48,96")
    args = parser.parse_args()

    import numpy as np

    from cnnlab import datasets, device, training, widgets

    load = datasets.load_mnist if args.dataset == "mnist" else datasets.load_fashion_mnist
    (x_train, y_train), (x_test, y_test) = load()
    train = (x_train[:55_000], y_train[:55_000])
    val = (x_train[55_000:], y_train[55_000:])
    x_test = training.prepare_digits(x_test)
    augment = "digits" if args.dataset == "mnist" else "fashion"
    filters = tuple(int(f) for f in args.filters.split(","))
    kind = "GPU" if device.gpus() else "CPU"

    models, member_accuracies, train_seconds = [], [], 0.0
    for member in range(args.ensemble):
        seed = args.seed + member
        started = time.perf_counter()
        model, history = training.train_reference(train, val, epochs=args.epochs, batch_size=args.batch_size,
                                                  seed=seed, augment=augment, filters=filters,
                                                  architecture=args.architecture,
                                                  callbacks=[widgets.TrainingMonitor(text=True)])
        train_seconds += time.perf_counter() - started
        accuracy = float((model.predict(x_test, batch_size=1000, verbose=0).argmax(axis=1) == y_test).mean())
        print(f"model {member + 1}/{args.ensemble} (seed {seed}): test accuracy {accuracy:.4f}, "
              f"validation accuracy {history.history['val_accuracy'][-1]:.4f}, "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        models.append(model)
        member_accuracies.append(accuracy)

    figures = {"dataset": args.dataset, "test_accuracy": f"{member_accuracies[0]:.4f}"}
    if args.ensemble > 1:
        probabilities = training.ensemble_predict(models, x_test)
        figures["ensemble_accuracy"] = f"{float((probabilities.argmax(axis=1) == y_test).mean()):.4f}"
        figures["member_accuracy_mean"] = f"{np.mean(member_accuracies):.4f}"
    figures.update(architecture=args.architecture, filters="-".join(map(str, filters)), ensemble=args.ensemble, epochs=args.epochs, batch_size=args.batch_size,
                   params=models[0].count_params(), train_s=f"{train_seconds:.0f}",
                   wall_s=f"{time.perf_counter() - START:.0f}", device=kind,
                   cpus=os.cpu_count(), machine=platform.machine())
    print(" ".join(f"{key}={value}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
