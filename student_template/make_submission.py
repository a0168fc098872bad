"""Make the zip to upload to Gradescope: `python make_submission.py [ASSIGNMENT ...]`.

Zips assignment files of this folder (`<assignment>.py`) into submission.zip, and warns about
functions that still raise NotImplementedError and files that do not parse, so you see
before uploading what would score nothing. Your code is read, never run.

    python make_submission.py                    the assignments whose files you changed
    python make_submission.py backprop           only this one (the usual way: one per homework)
    python make_submission.py --notebook backprop
                                                 backprop.ipynb instead of backprop.py, only if
                                                 you wrote the functions in the notebook itself
"""

import argparse
import ast
import hashlib
import json
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ASSIGNMENTS = {  # the handout's assignments: each stub's digest and functions, by `dlgrade release`
    'activations': ('c26d32ebd38605ec2a12404d0d9d663b83b9458ce011116a812491815cb255e6', ('sigmoid_forward', 'sigmoid_backward', 'tanh_forward', 'tanh_backward', 'relu_forward', 'relu_backward', 'leaky_relu_forward', 'leaky_relu_backward', 'elu_forward', 'elu_backward', 'maxout_forward', 'maxout_backward')),
    'attention': ('9b488112c9f8c42b6efb817a6840ef615a068c9e2b9c4565a4b838012470671e', ('softmax', 'scaled_dot_product_attention', 'attention_backward', 'multi_head_attention_forward', 'multi_head_attention_backward')),
    'backprop': ('cb89a57a0b7c9bd2fd3e414e2b8d1b01fdccf1add58af5a46feabdf261f2f2bf', ('affine_forward', 'affine_backward', 'relu_forward', 'relu_backward', 'sigmoid', 'softmax', 'softmax_cross_entropy', 'logistic_regression_loss', 'softmax_jacobian', 'affine_jacobians', 'chain_rule', 'numerical_jacobian')),
    'batchnorm': ('855dee3d1981333ecc8325a14b7c03b4c49f7360cf49afcda1c538ecaa6e358b', ('batchnorm_forward', 'batchnorm_backward', 'spatial_batchnorm_forward', 'spatial_batchnorm_backward')),
    'conv': ('2aff7f701ddfe6f5fe2ee60611a2e9ccb0f546fb81092093cadba7cd6f57bfc7', ('conv_output_size', 'pool_output_size', 'conv_transpose_output_size', 'conv_params', 'conv_forward', 'conv_backward', 'max_pool_forward', 'max_pool_backward')),
    'detection': ('64714ec405e9a065d1143dc55684ad6e6433ba5b48f526ab841a456b3447dddc', ('box_area', 'box_iou', 'nms', 'match_detections', 'average_precision', 'mean_average_precision')),
    'dropout': ('811ce6027f4585f19533cba2acbac087fb0ddf302ebc8be7d1194a33f072df11', ('dropout_forward', 'dropout_backward')),
    'ensembles': ('cd29eb2ce58a9414115dde819a463e5cd4598ec901795fba9e3f4d9a552ec96e', ('bootstrap_indices', 'average_predictions', 'majority_vote', 'average_parameters', 'ema_update', 'adaboost_update', 'distillation_loss')),
    'initialization': ('5eb12d2e1e1e1f04efd1d0b7dc0933ad0c51abd1404c1d169a1ae8d1aece4a4a', ('fan_in_fan_out', 'xavier_normal', 'xavier_uniform', 'he_normal', 'activation_stds')),
    'networks': ('2a896951a919497d5cac00cd12fd1a173bf4eefca1d5ad2fddae930195027cc3', ('affine_forward', 'affine_backward', 'relu_forward', 'relu_backward', 'softmax_cross_entropy', 'init_mlp', 'mlp_forward', 'mlp_loss', 'residual_block_forward', 'residual_block_backward', 'global_average_pool_forward', 'global_average_pool_backward', 'sgd_step', 'accuracy', 'train')),
    'optimizers': ('9f7aec15b0d43d6f9e3d4131498b27b3882e84b1736b53f46dfa9b218dd7247f', ('sgd', 'sgd_momentum', 'nesterov_momentum', 'adagrad', 'rmsprop', 'adam', 'newton_step', 'step_decay', 'exponential_decay', 'inverse_time_decay', 'inverse_sqrt_decay', 'clip_by_value', 'clip_by_norm', 'log_uniform', 'update_ratio')),
    'segmentation': ('1f58f357ffca853c18d2659785d0d9c95e3ad6d38610ddc7175880faacf4a3ee', ('nearest_upsample_forward', 'nearest_upsample_backward', 'bed_of_nails_upsample_forward', 'bed_of_nails_upsample_backward', 'max_pool_with_indices', 'max_unpool_forward', 'max_unpool_backward', 'conv_transpose_forward', 'conv_transpose_backward', 'segmentation_iou', 'pixel_accuracy')),
    'semantics': ('93ba1eaca335f635c4b9c0a0cbb07c711a587b43932ef8e0247689ae34d018f7', ('cooccurrence', 'ppmi', 'lsa', 'cosine_similarities', 'nearest', 'analogy')),
    'visualization': ('e8a232e5f61ab85cc35b09965aa8ad6615714324e3afd7a66abaeec1b821371e', ('saliency_map', 'occlusion_map', 'class_visualization', 'fooling_image', 'pca')),
    'word2vec': ('11521337cfdd0a2f3294cca373d5f455e99c84204021dc5afc330c3faf529451', ('sigmoid', 'naive_softmax_loss_and_gradient', 'neg_sampling_loss_and_gradient', 'skipgram')),
}
FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the same files give the same zip, byte for byte


def unfinished(source: str) -> list:
    """The functions of a module's source that still raise NotImplementedError, as (name, line)."""
    stubs = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(_raises_not_implemented(inner) for inner in ast.walk(node)):
            stubs.append((node.name, node.lineno))
    return stubs


def _raises_not_implemented(node) -> bool:
    if not isinstance(node, ast.Raise) or node.exc is None:
        return False
    error = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return isinstance(error, ast.Name) and error.id == "NotImplementedError"


def notebook_code(path: Path) -> str:
    """The code cells of a notebook, joined, without IPython magics and shell lines."""
    lines = []
    for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            if not source.lstrip().startswith("%%"):
                lines += [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return "\n".join(lines)


def warnings_for(path: Path) -> list:
    """What would score nothing in ``path``: a syntax error, or functions that are still stubs."""
    source = notebook_code(path) if path.suffix == ".ipynb" else path.read_text(encoding="utf-8")
    try:
        stubs = unfinished(source)
    except SyntaxError as error:
        return [f"{path.name} has a syntax error (line {error.lineno}{' of its code cells' if path.suffix == '.ipynb' else ''}): "
                f"{error.msg}. As it is, nothing in it can be graded."]
    return [f"{path.name}: {name} (line {line}) still raises NotImplementedError" for name, line in stubs]


def digest(path: Path) -> str:
    """The file's digest, line endings normalised (a checkout on Windows changes nothing)."""
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def defined_functions(path: Path) -> set:
    """The names of the top-level functions a module or a notebook's code cells define."""
    source = notebook_code(path) if path.suffix == ".ipynb" else path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def changed(names: list) -> list:
    """The assignments whose file differs from the handout's stub."""
    return [name for name in names if (HERE / f"{name}.py").exists() and digest(HERE / f"{name}.py") != ASSIGNMENTS[name][0]]


def make_zip(files: list, out: Path) -> None:
    """Write ``files`` into the zip ``out``, by name, in order, with a fixed date."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in files:
            info = zipfile.ZipInfo(path.name, FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            bundle.writestr(info, path.read_bytes())


def main(argv=None) -> int:
    """Zip the chosen assignments; print the warnings and what was written.

    Exit status 2, with one line saying what to do, when there is nothing right to zip: a
    missing file, no assignment named and none changed, a notebook that defines none of the
    assignment's functions, a zip that cannot be written.
    """
    known = list(ASSIGNMENTS)
    parser = argparse.ArgumentParser(description="Make submission.zip for Gradescope.",
                                     epilog="examples: python make_submission.py backprop   |   python make_submission.py --notebook backprop")
    parser.add_argument("names", nargs="*", metavar="ASSIGNMENT", help="assignments to include (default: those whose files you changed)")
    parser.add_argument("--notebook", action="store_true", help="submit <assignment>.ipynb instead of <assignment>.py (only if your functions are in the notebook)")
    parser.add_argument("--out", type=Path, default=HERE / "submission.zip", help="the zip to write (default: submission.zip)")
    arguments = parser.parse_args(argv)
    unknown = [name for name in arguments.names if name not in known]
    if unknown:
        parser.error(f"unknown assignment {unknown[0]!r} (known: {', '.join(known)})")
    names = arguments.names or changed(known)
    if not names:
        return _error("none of the assignment files differs from the handout yet: name the one to submit, "
                      "for example `python make_submission.py backprop`")
    suffix = ".ipynb" if arguments.notebook else ".py"
    files = [HERE / f"{name}{suffix}" for name in names]
    missing = [path.name for path in files if not path.exists()]
    if missing:
        return _error(f"{', '.join(missing)} not found in {HERE}")
    for name, path in zip(names, files):
        if arguments.notebook and not defined_functions(path) & set(ASSIGNMENTS[name][1]):
            return _error(f"{path.name} defines none of {name}'s functions (the notebook calls them from {name}.py): "
                          f"submit {name}.py with `python make_submission.py {name}`")
    warnings = [warning for path in files for warning in warnings_for(path)]
    for warning in warnings:
        print(f"warning: {warning}")
    try:
        arguments.out.parent.mkdir(parents=True, exist_ok=True)
        make_zip(files, arguments.out)
    except OSError as error:
        return _error(f"cannot write {arguments.out}: {error.strerror or error}")
    print(f"wrote {arguments.out} ({', '.join(path.name for path in files)})" + (f" with {len(warnings)} warnings: those functions score nothing yet" if warnings else ""))
    print("Upload it to Gradescope.")
    return 0


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
