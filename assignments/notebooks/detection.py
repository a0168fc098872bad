# %% [markdown]
# # Assignment 11: object detection
#
# A classifier says *what* is in an image; a detector also says *where*, with a box around
# each object. Detectors (R-CNN and its successors, YOLO, SSD) propose many scored boxes,
# far more than there are objects, and two pieces of plain geometry turn that flood into an
# answer and a score: non-maximum suppression keeps one box per object, and average
# precision measures how well the ranked boxes find the objects. You write the six
# functions in `detection.py`; this notebook explains the ideas, runs the public checks on
# your functions as you go, and uses them on a synthetic scene.
#
# How to work: edit `detection.py` in your editor, then re-run the cells here. The first cell
# turns on `autoreload`, so your edits are picked up without restarting the kernel. A cell
# that calls a function you have not written yet stops with its `NotImplementedError`. A
# cell that calls `run_checks` runs the public checks of the tasks just explained: one line
# per check, and `True` at the end when all passed.

# %% tags=["setup"]
# %load_ext autoreload
# %autoreload 2
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

import detection
from checks.harness import run_checks

# %% [markdown]
# ## 1. Boxes and intersection over union
#
# A box is a row $(x_1, y_1, x_2, y_2)$ with $x_1 \le x_2$ and $y_1 \le y_2$, in continuous
# coordinates: its area is $(x_2 - x_1)(y_2 - y_1)$. (Old PASCAL VOC code counted pixels
# and added 1 to each side; torchvision and this course do not.) Two boxes $A$ and $B$
# overlap by their intersection over union,
#
# $$ \text{IoU}(A, B) = \frac{|A \cap B|}{|A \cup B|} = \frac{|A \cap B|}{|A| + |B| - |A \cap B|}, $$
#
# where the intersection is a box too, from the larger of the two top-left corners to the
# smaller of the two bottom-right ones, and empty when those cross. The union counts the
# overlap once: $|A| + |B|$ counts it twice. IoU is 0 for boxes that are disjoint or only
# touch, 1 for identical boxes, and the ratio of the areas for a box nested in another. Two
# boxes of area 0 have an empty union: their IoU is 0 here, not $0/0$.
# Tasks 11.1 and 11.2: `box_iou` compares every box of one set with every box of another,
# an $(N, M)$ matrix; broadcasting `boxes1[:, None, :]` against `boxes2[None, :, :]` does it
# without loops.

# %%
a = np.array([[0.0, 0.0, 4.0, 4.0]])
b = np.array([[2.0, 0.0, 6.0, 4.0], [4.0, 0.0, 8.0, 4.0], [1.0, 1.0, 3.0, 3.0], [0.0, 0.0, 4.0, 4.0]])
print("areas", detection.box_area(b))
print("IoU of [0, 0, 4, 4] with a half overlap, a touching box, a nested box, itself:", detection.box_iou(a, b))

# %% tags=["checks"]
run_checks("detection", "box_area", "box_iou")

# %% [markdown]
# ## 2. Non-maximum suppression
#
# A detector fires many times around each object: boxes shifted a little, each with its own
# score. Greedy NMS keeps the best of each cluster:
#
# 1. sort the boxes by decreasing score (ties: the lower index first);
# 2. keep the highest-scoring box left, and drop every remaining box whose IoU with it is
#    *greater than* the threshold (a box at exactly the threshold stays, as in
#    `torchvision.ops.nms`);
# 3. repeat until no box is left.
#
# Only kept boxes suppress others: a box dropped in step 2 never drops anything. The kept
# indices come back in the order they were kept, so in decreasing score. Task 11.3.
#
# The scene below has four objects (green) and forty candidate boxes around them, scored
# by how well they fit plus noise, and three stray boxes. NMS at IoU 0.5 reduces the
# candidates to about one box per object.

# %% tags=["experiment"]
rng = np.random.default_rng(3)
objects = np.array([[10.0, 12.0, 34.0, 40.0], [28.0, 30.0, 52.0, 52.0], [60.0, 8.0, 88.0, 30.0], [64.0, 50.0, 80.0, 74.0]])


def candidates(objects, per_object, jitter, rng):
    """A detector's raw output: noisy copies of each object, scored by their IoU with it plus noise."""
    base = np.repeat(objects, per_object, axis=0)
    moved = base + jitter * np.tile(base[:, 2:] - base[:, :2], 2) * rng.standard_normal(base.shape)
    boxes = np.concatenate([np.minimum(moved[:, :2], moved[:, 2:]), np.maximum(moved[:, :2], moved[:, 2:])], axis=1)
    fit = detection.box_iou(boxes, objects).max(axis=1)
    return boxes, np.clip(fit + 0.25 * rng.standard_normal(len(boxes)), 0.01, 0.99)


boxes, scores = candidates(objects, 10, 0.15, rng)
strays = np.concatenate([rng.uniform(0, 70, size=(3, 2)), np.zeros((3, 2))], axis=1)
strays[:, 2:] = strays[:, :2] + rng.uniform(8, 20, size=(3, 2))
boxes, scores = np.concatenate([boxes, strays]), np.concatenate([scores, rng.uniform(0.3, 0.9, size=3)])
keep = detection.nms(boxes, scores, 0.5)


def draw(axes, shown, title):
    """The objects in green, ``shown`` boxes coloured by score."""
    for box in objects:
        axes.add_patch(Rectangle(box[:2], *(box[2:] - box[:2]), fill=False, edgecolor="green", linewidth=2.5))
    for i in shown:
        box = boxes[i]
        axes.add_patch(Rectangle(box[:2], *(box[2:] - box[:2]), fill=False, edgecolor=plt.cm.plasma(scores[i]), linewidth=1.2))
    axes.set(xlim=(0, 100), ylim=(85, 0), aspect="equal", title=title)


figure, (before, after) = plt.subplots(1, 2, figsize=(11, 4.8))
draw(before, range(len(boxes)), f"{len(boxes)} candidates")
draw(after, keep, f"after NMS at IoU 0.5: {len(keep)} kept")
figure.colorbar(plt.cm.ScalarMappable(cmap="plasma"), ax=[before, after], label="score", shrink=0.8)
plt.show()
print("kept, in decreasing score:", keep, np.round(scores[keep], 2))

# %% tags=["checks"]
run_checks("detection", "nms")

# %% [markdown]
# ## 3. Matching detections to ground truth
#
# To score a detector, each detection must be called right (a true positive) or wrong (a
# false positive). COCO's greedy rule, for one image and one class: go through the
# detections by decreasing score; a detection is a true positive if some ground-truth box
# *not yet matched* overlaps it with IoU $\ge$ the threshold (0.5 here), and it then claims
# the unmatched one with the largest IoU. Each object is found once: a second box on the
# same object is a false positive, a duplicate, which is why NMS matters for the score.
# When a detection's best ground truth is already taken it may still claim another free
# one it overlaps enough; PASCAL VOC's rule looks only at the single best box and gives up.
# Task 11.4.
#
# ## 4. Average precision
#
# Rank the detections by score. After the $k$-th one, with $\text{TP}_k$ true positives
# among the first $k$ and $G$ ground-truth boxes,
#
# $$ p_k = \frac{\text{TP}_k}{k}, \qquad r_k = \frac{\text{TP}_k}{G}. $$
#
# Precision zigzags: it drops at every false positive and climbs back at the next hits. The
# *interpolated* precision $p_\text{interp}(r_k) = \max_{j \ge k} p_j$ is its envelope from
# the right, the best precision reachable at this recall or beyond, and AP is the area
# under that staircase,
#
# $$ \text{AP} = \sum_k (r_k - r_{k-1})\, p_\text{interp}(r_k), \qquad r_0 = 0, $$
#
# all-point interpolation, PASCAL VOC 2010 on (VOC 2007 averaged the envelope at the 11
# recalls $0, 0.1, \ldots, 1$ instead). Objects no detection found keep the recall below 1:
# $G$ counts them all. mAP averages AP over the classes; a class with no ground truth at
# all has no AP (NaN) and is left out. Tasks 11.5 and 11.6.

# %% tags=["checks"]
run_checks("detection", "match_detections", "average_precision", "mean_average_precision")

# %% [markdown]
# The plot shows the precision-recall curve of the scene's detections before NMS and after
# it: the zigzag of $p_k$ against $r_k$, its envelope, and the shaded area, which is the AP.
# Before NMS every duplicate is a false positive high in the ranking; after NMS few are
# left, and the envelope sits higher. A stray box or a poor fit ranked above a hit still
# costs precision: NMS removes duplicates, not wrong boxes.

# %% tags=["experiment"]
def precision_recall(scores, is_tp, num_gt):
    """Recall and precision after each detection, by decreasing score, and the envelope."""
    hits = is_tp[np.argsort(-scores, kind="stable")]
    found = np.cumsum(hits)
    precision, recall = found / np.arange(1, len(hits) + 1), found / num_gt
    return recall, precision, np.maximum.accumulate(precision[::-1])[::-1]


figure, panels = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for axes, (label, shown) in zip(panels, (("all candidates", np.arange(len(boxes))), ("after NMS", keep))):
    is_tp = detection.match_detections(boxes[shown], scores[shown], objects)
    ap = detection.average_precision(scores[shown], is_tp, len(objects))
    recall, precision, envelope = precision_recall(scores[shown], is_tp, len(objects))
    steps_r, steps_p = np.concatenate([[0.0], recall]), np.concatenate([envelope[:1], envelope])
    axes.fill_between(steps_r, steps_p, step="pre", alpha=0.25, color="tab:orange", label=f"area = AP = {ap:.3f}")
    axes.step(steps_r, steps_p, where="pre", color="tab:orange", linewidth=2, label="interpolated (envelope)")
    axes.plot(recall, precision, "o-", color="tab:blue", markersize=3, linewidth=1, label="precision after each detection")
    axes.set(xlabel="recall", xlim=(0, 1.02), ylim=(0, 1.05), title=f"{label}: {len(shown)} detections, {is_tp.sum()} hits")
    axes.legend(loc="lower left")
panels[0].set_ylabel("precision")
plt.show()

# %% [markdown]
# Over several images and classes, `mean_average_precision` pools each class's detections
# over the images. Here the scene gets two classes (the two objects on the left are class
# 0, the two on the right class 1); each candidate takes the class of the object it was
# drawn around, and the three stray boxes classes 0, 1 and 2. Class 2 has no ground truth:
# its AP is NaN, and mAP averages the other two. A stricter IoU threshold (COCO reports
# 0.5, 0.75 and the mean over 0.5 to 0.95) asks for better-placed boxes. Look at what NMS
# does there: it keeps the highest-scoring box of each cluster, not the best-placed one, so
# the well-placed boxes it suppressed no longer count, and the AP can fall.

# %%
object_labels = np.array([0, 0, 1, 1])
labels = np.concatenate([np.repeat(object_labels, 10), [0, 1, 2]])
for threshold in (0.5, 0.75):
    for label, shown in (("all candidates", np.arange(len(boxes))), ("after NMS", keep)):
        mAP, ap = detection.mean_average_precision(
            [{"boxes": boxes[shown], "scores": scores[shown], "labels": labels[shown]}],
            [{"boxes": objects, "labels": object_labels}], num_classes=3, iou_threshold=threshold)
        print(f"IoU >= {threshold:.2f}, {label:15s} AP per class {np.round(ap, 3)}  mAP {mAP:.3f}")
