"""The page Streamlit runs (`sim app` starts it): everything is in ``layout.py``."""

from sim.app.layout import main

main()
