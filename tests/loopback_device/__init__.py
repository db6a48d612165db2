"""The loopback test device: an adbd on 127.0.0.1 that STANDS IN FOR AN ANDROID PHONE in tests.

See :mod:`loopback_device.adbd` for what it implements of the real adb protocol and what it fakes.
"""
