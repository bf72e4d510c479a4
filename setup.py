"""Only for the optional compiled speed-up of the X12 reader; everything else is in pyproject.toml.

`optional=True`: without a C compiler the install still succeeds and the reader uses its pure-Python
path (same results, slower).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "edi_assets.x12._split",
            ["edi_assets/x12/_native/split.c"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
