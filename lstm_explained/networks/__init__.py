"""The networks the site and the tests are built on: the article's toy network and the
other examples (`examples`), the fingerprint networks that expose conversion mistakes
(`fingerprint`), and the small trained Keras model of "Trace your own model" (`trained`).
"""
