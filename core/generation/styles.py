"""Named styles (placeholder until the style catalogue lands)."""

STYLES: dict[str, str] = {"watercolor": "watercolor painting", "neon": "neon glow"}
