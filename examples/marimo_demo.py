"""The seed network in a marimo notebook: `marimo edit examples/marimo_demo.py`
(or `marimo run` for the app view).

Arrow keys (click the picture first) or the sample box move through the samples; the cell
below the widget re-runs whenever the page changes a setting. The train button trains more
epochs in the background, so the Stop button works (marimo runs a cell to its end before it
reads the page, so `w.fit` never blocks here).
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import marimo as mo

    from fcnn_widget import FCNN, FCNNWidget

    return FCNN, FCNNWidget, mo


@app.cell
def _(FCNN, FCNNWidget):
    # The seed network: relu [5, 5] on the `prod` task (y = x1 * x2), 250 epochs.
    model = FCNN([5, 5], "relu", dataset="prod", seed=0)
    model.fit(epochs=250, lr=0.005, batch_size=100)
    w = FCNNWidget(model, sample=10, title="prod: relu [5, 5]")
    return model, w


@app.cell
def _(mo, w):
    view = mo.ui.anywidget(w)
    view
    return (view,)


@app.cell
def _(mo, model, view, w):
    view.value  # this cell re-runs whenever the page changes the widget
    x = model.dataset.X[w.sample]
    y = float(model.dataset.y[w.sample])
    guess = float(model.predict(x[None])[0, 0])
    mo.md(
        f"Sample **{w.sample}** at epoch {w.epoch}: x = ({x[0]:.2f}, {x[1]:.2f}), "
        f"target x₁·x₂ = {y:.3f}, the network says {guess:.3f}."
    ).style({"font-family": "monospace"})
    return


@app.cell
def _(mo):
    train = mo.ui.run_button(label="Train 10000 more epochs")
    train
    return (train,)


@app.cell
def _(train, w):
    if train.value:
        w.fit(epochs=10_000, lr=0.002, batch_size=32)  # in a thread here: Stop works
    return


if __name__ == "__main__":
    app.run()
