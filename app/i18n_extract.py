"""Babel extractor for the labels in the shipped workflow files (babel.cfg names it).

Workflows are data, so their state, customer and button labels and guard messages are not
in the code; this
puts the shipped ones in the catalogs under the context "workflow", which
services.workflows.translated looks up when it shows them.
"""
from __future__ import annotations

import yaml

# the guards' "message" is what a refused user reads
LABEL_KEYS = ("label", "customer_label", "message")


def extract_workflow_labels(fileobj, keywords, comment_tags, options):
    root = yaml.compose(fileobj.read().decode(options.get("encoding", "utf-8")))
    seen: set[str] = set()
    for line, text in _labels(root):
        if text not in seen:
            seen.add(text)
            yield line, "pgettext", ("workflow", escaped(text)), []


def escaped(label: str) -> str:
    """The msgid of a label: babel takes "50% ready" for a python-format string ("% r") and
    then refuses any translation without that placeholder, so a "%" is written "%%" as in
    every other catalog message (services.workflows.translated looks it up the same way)."""
    return label.replace("%", "%%")


def _labels(node):
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value in LABEL_KEYS and isinstance(value, yaml.ScalarNode) and value.value.strip():
                yield value.start_mark.line + 1, value.value
            else:
                yield from _labels(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _labels(item)
