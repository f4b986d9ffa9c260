"""The cells of the Stop-button tests, shared by the real-kernel test and the browser scenario.

A training run far too long to finish (10,000 epochs): only the Stop button can end its cell.
``AFTER`` is the cell queued behind it (as Run All queues it); it prints ``stopped=True``
once the click has ended training.
"""

SETUP = """import numpy as np, keras
from cnnlab import training, widgets
x = np.random.default_rng(0).random((4096, 8, 8, 1), dtype=np.float32)
y = (x.mean(axis=(1, 2, 3)) > 0.5).astype("int32")
model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3), keras.layers.Flatten(),
                          keras.layers.Dense(2, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
monitor = widgets.TrainingMonitor(update_every=5)
display(monitor)"""

TRAIN = "history = training.fit(model, (x, y), epochs=10_000, batch_size=32, callbacks=[monitor])"

AFTER = ('print(f"training ended after {len(history.epoch)} epochs, '
         'batches={len(monitor.history[\'batch\'][\'loss\'])} stopped={monitor.stopped}")')
