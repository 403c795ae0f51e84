"""Loads a PJRT plugin (a shared library), calls its GetPjrtApi and prints the PJRT C API version
it reports, e.g. 0.115. Exits non-zero with a message when the file does not load, has no
GetPjrtApi, or reports a version older than the 0.104 that go-xla v0.4.1 is built against (go-xla
does not check versions: an older plugin's function table would be read past its end).

Usage: python3 pjrt_api_version.py PLUGIN.so   (used by xla-plugin.sh and cuda-plugin.sh)
"""
import ctypes
import sys

try:
    lib = ctypes.CDLL(sys.argv[1], mode=ctypes.RTLD_LOCAL)
    get_api = lib.GetPjrtApi
except (OSError, AttributeError) as e:
    sys.exit(f"cannot load {sys.argv[1]} as a PJRT plugin: {e}")
get_api.restype = ctypes.c_void_p
api = get_api()
if not api:
    sys.exit("GetPjrtApi returned NULL")
# PJRT_Api: size_t struct_size; void* extension_start; PJRT_Api_Version pjrt_api_version
# (size_t struct_size; void* extension_start; int major_version; int minor_version); ...
major = ctypes.c_int.from_address(api + 32).value
minor = ctypes.c_int.from_address(api + 36).value
if major != 0 or minor < 104:
    sys.exit(f"PJRT C API {major}.{minor}: go-xla v0.4.1 is built against 0.104 and needs a plugin at least that new")
print(f"{major}.{minor}")
