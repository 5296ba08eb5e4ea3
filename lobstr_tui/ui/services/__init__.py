"""What the app runs beside its screens: alerts, downloads, profiles, the terminal."""
