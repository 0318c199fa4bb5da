"""The labelled policy-change corpus: items drawn from ../shared/corpora, labels kept here.

The repository holds ids, lead offsets, labels and evidence offsets; the texts stay in
`../shared` and are joined at training and evaluation time (`store.load_items`).
"""
