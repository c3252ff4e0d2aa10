"""The NumPy oracle of the sequence layers (``reference_layers`` dispatches here): an
embedding's lookup and single-head scaled dot-product self-attention, forward and backward
written by hand with loops over samples and positions, independent of the symbolic path.
Inputs are (N, T) token ids for an embedding, (N, T, d_in) for attention (tokens as rows,
Q = X W_q)."""

from __future__ import annotations

import numpy as np


def embedding_forward(params, l, ids):
    """ids (N, T) -> (N, T, dim): row ids[n, t] of the table, position by position."""
    E = params[f"{l}.weight"]
    N, T = ids.shape
    out = np.zeros((N, T, E.shape[1]))
    for n in range(N):
        for t in range(T):
            out[n, t] = E[int(ids[n, t])]
    return out


def embedding_backward(params, l, ids, g, grads):
    """dL/dE[v] = Σ over the positions (n, t) where token v occurs of g[n, t]; the ids
    get no gradient (None: nothing flows further back)."""
    dE = np.zeros_like(params[f"{l}.weight"])
    N, T = ids.shape
    for n in range(N):
        for t in range(T):
            dE[int(ids[n, t])] += g[n, t]
    grads[f"{l}.weight"] = dE
    return None


def _attend(params, l, x):
    """One sample x (T, d_in): Q, K, V, the row-softmax weights A and the output A V."""
    Wq, Wk, Wv = (params[f"{l}.{n}"] for n in ("W_q", "W_k", "W_v"))
    Q, K, V = x @ Wq, x @ Wk, x @ Wv
    T, D = Q.shape
    A = np.zeros((T, T))
    for t in range(T):
        scores = np.array([Q[t] @ K[u] for u in range(T)]) / np.sqrt(D)
        e = np.exp(scores - scores.max())
        A[t] = e / e.sum()
    return Q, K, V, A, A @ V


def attention_forward(params, l, x):
    return np.stack([_attend(params, l, xn)[4] for xn in x])


def attention_backward(params, l, x, g, grads):
    """By hand, sample by sample: dV = Aᵀ dO, dA = dO Vᵀ, through each row's softmax
    dS[t, u] = A[t, u] (dA[t, u] − Σ_w A[t, w] dA[t, w]), then dQ = dS K/√d,
    dK = dSᵀ Q/√d, and each W gets Xᵀ times its projection's gradient."""
    Wq, Wk, Wv = (params[f"{l}.{n}"] for n in ("W_q", "W_k", "W_v"))
    dWq, dWk, dWv = np.zeros_like(Wq), np.zeros_like(Wk), np.zeros_like(Wv)
    dx = np.zeros_like(x)
    for n in range(x.shape[0]):
        Q, K, V, A, _ = _attend(params, l, x[n])
        T, D = Q.shape
        dO = g[n]
        dV = A.T @ dO
        dA = dO @ V.T
        dS = np.zeros((T, T))
        for t in range(T):
            inner = sum(A[t, w] * dA[t, w] for w in range(T))
            for u in range(T):
                dS[t, u] = A[t, u] * (dA[t, u] - inner)
        dQ = dS @ K / np.sqrt(D)
        dK = dS.T @ Q / np.sqrt(D)
        dWq += x[n].T @ dQ
        dWk += x[n].T @ dK
        dWv += x[n].T @ dV
        dx[n] = dQ @ Wq.T + dK @ Wk.T + dV @ Wv.T
    grads[f"{l}.W_q"], grads[f"{l}.W_k"], grads[f"{l}.W_v"] = dWq, dWk, dWv
    return dx
