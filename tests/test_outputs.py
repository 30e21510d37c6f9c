"""A classifier's outputs carry class names, the true and the predicted class are both
marked (told apart when they differ), and the input panel says which is which."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
import traitlets

from fcnn_widget import FCNN, Dataset, FCNNWidget
from fcnn_widget.rules import ACCENT


@pytest.fixture(scope="module")
def digits_like():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(120, 16)).astype(np.float32)
    y = rng.integers(0, 4, size=120)
    data = Dataset.from_arrays(X, y, class_names=["cat", "dog", "owl", "yak"])
    model = FCNN([8], "relu", dataset=data, seed=0)
    model.fit(epochs=3, lr=0.01, batch_size=32)
    return model


def texts(svg, **attrs):
    root = ET.fromstring(svg)
    return [
        e for e in root.iter() if all(e.get(k.replace("_", "-")) == v for k, v in attrs.items())
    ]


def test_output_neurons_carry_the_datasets_class_names(digits_like):
    svg = FCNNWidget(digits_like).to_svg()
    assert [t.text for t in texts(svg, data_role="class-name")] == ["cat", "dog", "owl", "yak"]


def test_the_setting_overrides_the_names_and_a_wrong_count_is_refused(digits_like):
    w = FCNNWidget(digits_like, class_names=["a", "b", "c", "d"])
    assert [t.text for t in texts(w.to_svg(), data_role="class-name")] == ["a", "b", "c", "d"]
    with pytest.raises(traitlets.TraitError, match="name all 4 classes"):
        w.class_names = ["a", "b"]
    with pytest.raises(ValueError, match="name all 4 classes"):
        Dataset.from_arrays(np.zeros((4, 2)), [0, 1, 2, 3], class_names=["x"])


def test_default_names_are_the_labels():
    model = FCNN([4], dataset="quadrants", seed=0)
    names = [t.text for t in texts(FCNNWidget(model).to_svg(), data_role="class-name")]
    assert names == ["0", "1", "2", "3"]


def test_true_and_predicted_classes_are_marked_and_told_apart(digits_like):
    w = FCNNWidget(digits_like)
    predicted = digits_like.predict(w.scene.X).argmax(axis=1)
    truth = w.scene.targets[:, 0].astype(int)
    right, wrong = np.flatnonzero(predicted == truth)[0], np.flatnonzero(predicted != truth)[0]
    marks = {int(t.get("data-target")): t for t in texts(w.to_svg(int(right)), data_mark="class")}
    assert [marks[j].text or "" for j in range(4)].count("◀ y = ŷ") == 1
    assert marks[predicted[right]].text == "◀ y = ŷ"
    (title,) = texts(w.to_svg(int(right)), data_role="panel-title")
    names = ["cat", "dog", "owl", "yak"]
    assert title.text == f"input: true {names[truth[right]]}, predicted {names[predicted[right]]} ✓"
    marks = {int(t.get("data-target")): t for t in texts(w.to_svg(int(wrong)), data_mark="class")}
    assert marks[truth[wrong]].text == "◀ y"
    assert marks[predicted[wrong]].text == "◀ ŷ" and marks[predicted[wrong]].get("fill") == ACCENT
    (title,) = texts(w.to_svg(int(wrong)), data_role="panel-title")
    assert title.text.endswith("✗") and names[predicted[wrong]] in title.text
