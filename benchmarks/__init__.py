"""Speed and memory benchmarks at the scale of a large operator (issue 7).

Run `python -m benchmarks --scale small|large [--json OUT]`; see BENCHMARKS.md.
Kept free of imports so that child processes started as `python -m benchmarks.<module>`
pay nothing for the package itself.
"""
