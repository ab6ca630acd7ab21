"""Code the tests share with the benchmarks: real servers, a stand-in CDN, a browser, waiting with a deadline.

Neither ``tests/`` nor ``bench/`` imports the other; both import from here.
"""
