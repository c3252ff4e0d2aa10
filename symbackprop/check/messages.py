"""What the checker says about a wrong claim: every sentence of ``diagnose.py`` in one
table, filled with ``say(key, **fields)``. The fields are LaTeX names and fractions of
the student's network (``{node}`` h_1, ``{target}`` dL/dw_1) and numbers."""

from __future__ import annotations

MESSAGES = {
    # the chain rule written as a product of factors
    "chain_start": "the chain starts at {first}, but {target} starts at {node}",
    "chain_gap": "the factors do not connect: {factor} is followed by {next}",
    "chain_end": "the chain ends at {last}, but {target} ends at {node}",
    "chain_zero": "{wrt} does not reach {of}: {factor} = 0",
    "path_missing": "a path is missing: {wrt} reaches {of} also through {through}, and the "
                    "chain rule sums over every path",
    "path_only": "only the path through {through} is counted: {wrt} reaches {of} also "
                 "through {others}, and the chain rule sums over every path",
    # signs and constant factors
    "sign": "the sign is flipped: the claim is the negative of the correct value",
    "and_sign": " and the sign is flipped",
    "constant": "a constant factor is off: the claim is {times} times the correct value "
                "({what}){sign}",
    "mean_vs_sum": "mean versus sum: {what} (the claim is {times} times the correct value){sign}",
    "extra_2": "an extra factor 2",
    "missing_2": "a missing factor 2",
    "too_many": "a factor {c} too many",
    "missing_c": "a missing factor {c}",
    "sum_for_mean": "a sum over the samples where their mean was due",
    "mean_for_sum": "a mean over the samples where their sum was due",
    "missing_mean": "a missing 1/N: the loss is a mean over the N samples",
    "extra_mean": "an extra 1/N",
    "factor_of": "a factor {c}{times}",
    # a factor of the chain missing or repeated
    "missing_factor": "a factor is missing: {factor}{why}",
    "extra_factor": "an extra factor: {factor}{why}",
    "local_why": ", the local derivative {frac}",
    # activations
    "activation_itself": "the activation instead of its derivative at {node}: {claim} where "
                         "{act}' = {due} was due",
    "activation_slope": "the derivative of the wrong activation at {node}: {claim} is the "
                        "derivative of {other}; {act}' = {due} was due",
    "wrong_activation": "the wrong activation: {other} where {act} was due",
    # indices, units, layers, transposes
    "transposed": "a transposed weight: {used} ({joins}) where {due} ({due_joins}) was due",
    "transposed_many": "transposed weights: {pairs}",
    "transposed_pair": "{used} for {due}",
    "joins": "from {src} to {dst}",
    "wrong_layer": "a wrong layer",
    "wrong_unit": "a wrong unit",
    "wrong_index": "a wrong index",
    "index_used": "{what}: {used} where {due} was due",
    "index_this": "{what}: this is {used}, not {due}",
    # tensor layers (diagnose_layers.py)
    "shared_missing": "the sum over the uses of {wrt} is incomplete: it is used {uses} "
                      "times (weight sharing), and the gradient sums every use; {count} "
                      "missing: {missing}",
    "bptt_last": "only the last step's term: {wrt} acts at every one of the {steps} time "
                 "steps, and backpropagation through time sums the terms of all of them "
                 "(the claim keeps only the use at {last})",
    "pool_every": "the max-pool gradient goes to every entry of the window ({pools}): "
                  "only the window's largest entry receives it",
    "pool_fixed": "the max-pool gradient is routed to place {place} of each {size}-entry "
                  "window ({pools}) instead of to the window's largest entry",
    "norm_naive": "the naive batch-norm backward: μ and σ² are treated as constants, but "
                  "both are computed from the input, so its gradient also flows through "
                  "them (dL/da = (γ/σ)(dL/dy − mean(dL/dy) − â·mean(dL/dy·â)))",
    "norm_mu": "the path through the batch mean μ is missing: μ is computed from the "
               "input, so its gradient also flows through μ",
    "norm_var": "the path through the batch variance σ² is missing: σ² is computed from "
                "the input, so its gradient also flows through σ²",
    "dropout_scale": "the dropout scale is missing: {node} = m·a/(1 − p), so its "
                     "derivative is m/(1 − p), not the mask m alone",
    # a file as a whole (check/__init__.py)
    "empty_file": "the file is empty: nothing to check",
    "over_budget": "the file's time budget ({seconds} s) is spent: this equation and the "
                   "rest, {left} in all, are not checked",
}


def say(key: str, **fields) -> str:
    return MESSAGES[key].format(**fields)


# numbers, givens, definitions (judge.py); the page (check_text)
PAGE_MESSAGES = {
    "imprecise": "write at least {digits} significant digits (the value is {value})",
    "rounded": "read as rounded to {digits} significant digits (the value is {value})",
    "carried": "correct given line {lines} (error carried forward)",
    "given_ok": "a given: the spec's worked example has {name} = {value} too",
    "given_wrong": "a given that is not the spec's worked example: it has {name} = {value}",
    "given_ok_layers": "a given: the layer page's worked example has {name} = {value} too",
    "given_wrong_layers": "a given that is not the layer page's worked example (seeded "
                          "from the spec): it has {name} = {value}",
    "given_page": "a given: {name} = {value} is taken as the page's worked example",
    "defines": "a definition: {name} stands for {expr} on the rest of the page",
    "euler": "e read as Euler's number (the page does not define e)",
    "defined_reading": "read with the definition on line {line}",
    "no_example": "a value at one point, and there is no worked example to check it at "
                  "(the spec has none, and the page gives no values)",
    "approx_expressions": "an approximation between two expressions: only '≈' with a number "
                          "is checked",
    "at_example": "equal at the worked example",
    "no_equations": "no equation in the file: nothing to check",
}
MESSAGES.update(PAGE_MESSAGES)
