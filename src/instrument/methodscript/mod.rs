//! PalmSens MethodSCRIPT devices over a serial port (see issue: real potentiostat).
