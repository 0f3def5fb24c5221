"""Nodewise: data, models, one batched training engine, metric kernels (probes) and plots for the book."""
