"""Only for the optional compiled speed-ups of the X12 reader and writer; everything else is in pyproject.toml.

`optional=True`: without a C compiler the install still succeeds and the reader and writer use their
pure-Python paths (same results, slower).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "edi_assets.x12._split",
            ["edi_assets/x12/_native/split.c"],
            optional=True,
            extra_compile_args=["-O2"],
        ),
        Extension(
            "edi_assets.translate._render",
            ["edi_assets/translate/_native/render.c"],
            optional=True,
            extra_compile_args=["-O2"],
        ),
    ]
)
