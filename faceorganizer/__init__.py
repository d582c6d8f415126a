"""FaceOrganizer: find, group and name the faces in a photo library, offline."""

import os as _os

__version__ = "0.1.0"

# Nothing leaves the machine. onnxruntime (1.32.0 measured) otherwise writes a device id and an
# event queue to ~/.cache/Microsoft/DeveloperTools/.onnxruntime/ and looks up
# mobile.events.data.microsoft.com every ~10 s once a session exists; only this variable, set
# before the library loads, stops both (``ort.disable_telemetry_events()`` does not). Every
# entry point imports this package first (the CLI, the window, the scan's child process, the
# bundle), and child processes inherit it. Forced, not defaulted: the promise is not optional.
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"
