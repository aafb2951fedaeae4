//! Data files: impedance CSV, headerless CSV and EC-Lab .mpt readers.
