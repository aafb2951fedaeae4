//! Fit: equivalent circuits, CNLS (Levenberg–Marquardt) and Lin-KK validation.
