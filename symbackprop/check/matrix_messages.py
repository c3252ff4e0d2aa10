"""The sentences of matrix and index claims (``matrix_claims``, ``index_claims``),
filled with ``say(key, **fields)``; fields are names as the student wrote them, shapes
and numbers."""

from __future__ import annotations

MESSAGES = {
    "holds": "holds for arrays of the network's shapes ({layout}) at {points} random points "
             "and batch sizes {sizes}",
    "holds_index": "holds for every instance the network has ({count}: {ranges}) at "
                   "{points} random points",
    "differs": "the sides differ: at m = {m}, entry {entry} is {got} on the right, "
               "{due} on the left",
    "shape_mismatch": "a shape mismatch: the left side is {left}, the right side {right}",
    "product_shapes": "the product cannot be formed: {a} times {b} ({left} times {right})",
    "sum_shapes": "the terms have different shapes: {left} and {right}",
    "frac_not_scalar": "a fraction whose denominator is not a number",
    "broadcast": "the shapes {left} and {right} only combine by broadcasting, by accident: "
                 "an elementwise operation needs equal shapes",
    "no_example": "a value at one point, and the spec has no worked example to check it at",
    "at_example": "the value at the worked example, to the digits written",
    "differs_example": "at the worked example the right side is {got}, the left {due}",
    "unknown_name": "{name} is not a name of the {profile} notation for this network",
    "definition": "defines {name} (a name the {profile} notation does not fix)",
    "detected": "read in the notation of {title} ({profile}), detected from its names: {names}",
    "not_matrix": "not a matrix claim",
    # diagnoses: the mistakes a grader names
    "transpose_missing": "a missing transpose: {name} where {fixed} was due",
    "transpose_extra": "an extra transpose: {name} where {fixed} was due",
    "order": "the product in the wrong order: {name} where {fixed} was due (matrix "
             "products do not commute)",
    "add_for_had": "a sum where the elementwise product was due: {name}",
    "had_for_matmul": "an elementwise product where the matrix product was due: {name}",
    "matmul_for_had": "a matrix product where the elementwise product was due: {name}",
    "missing_mean": "a missing 1/{batch}: the mean over the {batch} examples",
    "extra_mean": "the 1/{batch} applied twice (or where no mean was due)",
    "missing_sum": "without the sum over the samples: {lhs} sums {name} over the examples",
    "activation_itself": "the activation itself where its derivative was due: {name} "
                         "where {fixed} was due",
    "slope_for_activation": "the activation's derivative where the activation itself was "
                            "due: {name} where {fixed} was due",
    "activation_wrong": "the wrong activation derivative: {name} where {fixed} was due",
    "wrong_layer": "the wrong layer: {name} where {fixed} was due",
    "sign": "the sign is flipped",
    # index claims
    "index_differs": "fails at {instance}: the right side is {got}, the left {due}",
    "index_range": "fails at {instance}: the right side names an entry the network does not "
                   "have there",
    "indices_swapped": "the indices swapped: {name} where {fixed} was due",
    "missing_index_sum": "a missing sum over {index}",
    "too_much_work": "too many instances and terms to judge in the time allowed; not judged",
    # tensor claims about tensor layers (tensor_matrix.py)
    "tensor_holds": "holds entry by entry ({shape}) at the worked example and {points} "
                    "random points",
    "tensor_differs": "the sides differ {where}: entry {entry} is {got} on the right, "
                      "{due} on the left",
    "tensor_transposed": "the transpose of {lhs}: the factors in the wrong order (or a "
                         "transpose misplaced)",
    "step_shift": "the wrong time step: {name} where {fixed} was due",
    "tensor_last_step": "only the last step's term (t = T): {lhs} is a sum over every "
                        "time step, \\sum_t",
    "tensor_free_index": "the index of {name}_{{{sub}}} is not summed over and is not T "
                         "(the last step): write the sum, \\sum_t",
    "tensor_sum_index": "a \\sum without its index: write \\sum_t over the steps",
    "tensor_sum_range": "the sum over {index} runs over no steps or more than {most}",
    "tensor_rank": "{name} has {rank} indices: its tensor form is not read, write its "
                   "index form (one entry, or letter indices with \\sum)",
    "tensor_unknown": "{name}: no tensor of this network has that name (its tensors: "
                      "{known})",
    "tensor_other": "another tensor: {name} where {fixed} was due",
    # a kernel's tensor form (tensor_conv.py)
    "conv_holds": "holds for every slice K_{{f,c}} ({count} of {shape}) at the worked example "
                  "and {points} random points",
    "conv_differs": "the sides differ {where}: slice f = {f}, c = {c}, entry {entry} is {got} "
                    "on the right, {due} on the left",
    "conv_flipped": "a convolution (the kernel flipped) where the cross-correlation a_c "
                    "\\star \\delta_f was due",
    "conv_swapped": "the operands swapped: \\delta_f ({small}) slides over the input "
                    "channel a_c ({big}), not the other way",
    "conv_indices_swapped": "the indices swapped: the input channel is c and the filter f "
                            "(a_c \\star \\delta_f)",
    "conv_range": "the indices swapped: {fc} runs over filters and channels, and the "
                  "claim names an input channel or filter the layer does not have",
    "conv_which_kernel": "more than one layer has a kernel K (or none does): write its "
                         "layer, K^{{[l]}}_{{f,c}}",
    "conv_names": "{a} and {b}: a kernel's gradient is the input channel a_c (the layer's "
                  "input) cross-correlated with \\delta_f (the gradient at its z)",
    "conv_indices": "the indices of the right side are not those of the left ({fc})",
    "tensor_scale_missing": "a missing 1/\\sqrt{{d_k}}: the scores are scaled, and so is "
                            "their gradient",
    "tensor_scale_extra": "the 1/\\sqrt{{d_k}} applied twice (or where no scale was due)",
    "tensor_batch": "a tensor claim over a batch (this network couples its samples): "
                    "not read yet; write it per entry or in index form",
    "unbound_index": "the index {index} is free on one side only",
}


def say(key: str, **fields) -> str:
    return MESSAGES[key].format(**fields)
