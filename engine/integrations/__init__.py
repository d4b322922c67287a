"""Optional bridges to other libraries, loaded only when those libraries are in use."""
