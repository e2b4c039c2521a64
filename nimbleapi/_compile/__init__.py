"""Compilation: analysed routes -> request handlers with every route-constant decision made."""
