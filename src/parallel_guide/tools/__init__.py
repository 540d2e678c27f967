"""Measuring tools: timing, the machine, task timelines, workloads and plots.

Every page measures with these.  They may use the recipes but never a page
module, so any page (and the benchmarks) can rely on them.
"""
