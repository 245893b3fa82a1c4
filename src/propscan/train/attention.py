"""Fuse MPNet's self-attention into ONNX Runtime's MultiHeadAttention op.

ORT's BERT optimizer fuses BERT-style attention (MiniLM) into one Attention op, but not MPNet's:
MPNet adds a relative-position bias to the attention scores, so its export stays a chain of ~14
ops per layer (Reshape and Transpose of Q, K and V, MatMul, Div, two Adds, Softmax, MatMul,
Transpose, Reshape) that moves (batch, heads, tokens, tokens) tensors through memory several
times. ``com.microsoft.MultiHeadAttention`` takes that bias as its ``attention_bias`` input. Here
the position bias and the padding mask, the same in every layer, are added once, and each layer's
chain becomes one MultiHeadAttention over the layer's Q, K and V projections. The arithmetic is
the same up to float rounding (scores * 0.125 + (bias + mask) instead of scores / 8 + bias + mask);
on 8 x 256-token batches the attention core of MPNet-base runs in about 78% of the time
(docs/experiments.md).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np


def fuse_relative_attention(model: object, heads: int) -> int:
    """Rewrite, in place, every MPNet-style attention chain of ``model`` (an onnx.ModelProto, fp32
    or dynamic-int8) as one MultiHeadAttention node with ``heads`` heads. Returns the number of
    chains fused (0 for a graph without them, such as ORT's already fused BERT graphs)."""
    from onnx import helper

    graph = model.graph  # type: ignore[attr-defined]
    producer = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list] = defaultdict(list)
    for node in graph.node:
        for name in node.input:
            consumers[name].append(node)
    constants = _constants(graph)

    fused, biases, dead = 0, {}, set()
    for softmax in [n for n in graph.node if n.op_type == "Softmax"]:
        chain = _match(softmax, producer, consumers, constants)
        if chain is None:
            continue
        q, k, v, position, mask, divisor, out, nodes = chain
        key = (position, mask)
        if key not in biases:
            biases[key] = f"/attention_bias_{len(biases)}"
            graph.node.append(helper.make_node("Add", [position, mask], [biases[key]], name=biases[key]))
        graph.node.append(
            helper.make_node(
                "MultiHeadAttention",
                [q, k, v, "", "", biases[key]],
                [out],
                name=f"{softmax.name}/MultiHeadAttention",
                domain="com.microsoft",
                num_heads=heads,
                scale=float(1.0 / divisor),
            )
        )
        dead.update(id(n) for n in nodes)
        fused += 1
    if fused:
        kept = [n for n in graph.node if id(n) not in dead]
        del graph.node[:]
        graph.node.extend(_prune(_topological(kept), {o.name for o in graph.output}))
        used = {name for node in graph.node for name in node.input}
        unused = [i for i in graph.initializer if i.name not in used]
        for init in unused:  # the chains' shape constants
            graph.initializer.remove(init)
        if not any(op.domain == "com.microsoft" for op in model.opset_import):  # type: ignore[attr-defined]
            model.opset_import.append(helper.make_opsetid("com.microsoft", 1))  # type: ignore[attr-defined]
    return fused


def _constants(graph: object) -> dict[str, np.ndarray]:
    """Scalar-sized constants by name: initializers and Constant nodes."""
    from onnx import TensorProto, numpy_helper

    out = {
        i.name: numpy_helper.to_array(i)
        for i in graph.initializer  # type: ignore[attr-defined]
        if np.prod(i.dims) <= 1 and i.data_location != TensorProto.EXTERNAL
    }
    for node in graph.node:  # type: ignore[attr-defined]
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            value = numpy_helper.to_array(node.attribute[0].t)
            if value.size <= 1:
                out[node.output[0]] = value
    return out


def _one(name: str, op: str, producer: dict, consumers: dict, perm: list[int] | None = None):
    """The node of type ``op`` producing ``name``, if ``name`` feeds nothing else (and the node's
    ``perm`` is ``perm``)."""
    node = producer.get(name)
    if node is None or node.op_type != op or len(consumers[name]) != 1:
        return None
    if perm is not None and [a.ints for a in node.attribute if a.name == "perm"] != [perm]:
        return None
    return node


def _heads_in(name: str, perm: list[int], producer: dict, consumers: dict):
    """(projection, [Transpose, Reshape]) for a Reshape -> Transpose(perm) of ``name``'s source."""
    transpose = _one(name, "Transpose", producer, consumers, perm)
    reshape = transpose and _one(transpose.input[0], "Reshape", producer, consumers)
    if not reshape:
        return None
    return reshape.input[0], [transpose, reshape]


def _either(node, op: str, producer: dict, consumers: dict):
    """(the ``op`` node feeding one of ``node``'s two inputs, the other input), or None."""
    for i in (0, 1):
        found = _one(node.input[i], op, producer, consumers)
        if found is not None:
            return found, node.input[1 - i]
    return None


def _match(softmax, producer: dict, consumers: dict, constants: dict):
    """MPNet's chain around ``softmax``: (q, k, v, position bias, mask, divisor, output, nodes)."""
    add_mask = _one(softmax.input[0], "Add", producer, consumers)
    found = add_mask and _either(add_mask, "Add", producer, consumers)
    if not found:
        return None
    add_position, mask = found
    found = _either(add_position, "Div", producer, consumers)
    if not found:
        return None
    div, position = found
    if div.input[1] not in constants:
        return None
    divisor = float(constants[div.input[1]])
    scores = _one(div.input[0], "MatMul", producer, consumers)
    if scores is None:
        return None
    query = _heads_in(scores.input[0], [0, 2, 1, 3], producer, consumers)
    key = _heads_in(scores.input[1], [0, 2, 3, 1], producer, consumers)
    after = consumers[softmax.output[0]]
    if query is None or key is None or len(after) != 1 or after[0].op_type != "MatMul":
        return None
    context = after[0]
    if context.input[0] != softmax.output[0]:
        return None
    value = _heads_in(context.input[1], [0, 2, 1, 3], producer, consumers)
    following = consumers[context.output[0]]
    if value is None or len(following) != 1 or following[0].op_type != "Transpose":
        return None
    merge = following[0]
    if [a.ints for a in merge.attribute if a.name == "perm"] != [[0, 2, 1, 3]]:
        return None
    reshape = consumers[merge.output[0]]
    if len(reshape) != 1 or reshape[0].op_type != "Reshape":
        return None
    nodes = [
        *query[1],
        *key[1],
        *value[1],
        scores,
        div,
        add_position,
        add_mask,
        softmax,
        context,
        merge,
        reshape[0],
    ]
    return query[0], key[0], value[0], position, mask, divisor, reshape[0].output[0], nodes


def _topological(nodes: list) -> list:
    """``nodes`` in an order where every node follows the producers of its inputs (stable)."""
    made = {out for node in nodes for out in node.output}
    ready = set()
    pending, order = list(nodes), []
    while pending:
        rest = []
        for node in pending:
            if all(not name or name not in made or name in ready for name in node.input):
                order.append(node)
                ready.update(node.output)
            else:
                rest.append(node)
        if len(rest) == len(pending):
            raise ValueError(f"the graph has a cycle through {rest[0].name}")
        pending = rest
    return order


def _prune(nodes: list, outputs: set[str]) -> list:
    """``nodes`` without those whose outputs nothing uses (the fused chains' shape arithmetic)."""
    while True:
        used = {name for node in nodes for name in node.input} | outputs
        kept = [n for n in nodes if any(out in used for out in n.output)]
        if len(kept) == len(nodes):
            return kept
        nodes = kept
