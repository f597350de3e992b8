"""Pure parsers for checkpoint formats other than safetensors: bytes in, tensors and metadata out.

Each parser reads through a :class:`~hubprune.formats.ranges.ByteView` and never does I/O of its
own: a read the view cannot serve raises :class:`~hubprune.formats.ranges.NeedBytes`, so the same
parser runs over a local file and over the ranges a Hub reader has fetched so far. Every size,
count and depth read from the file is capped before it is used; a file that breaks a rule raises
a :class:`~hubprune.formats.errors.FormatError` naming the file and the problem.

- :mod:`.torch_zip`, :mod:`.torch_legacy`: PyTorch ``torch.save`` checkpoints (zip and pre-1.6).
- :mod:`.pickle_walk`: the symbolic pickle reader both use. It never imports, looks up or calls
  a global; it builds stand-ins and reports every global the pickle names.
- :mod:`.gguf`: GGUF v2/v3 headers (key-value metadata and tensor infos).
"""
