"""The page Streamlit runs (`sim app` starts it): everything is in ``layout.py``.

Streamlit runs this file as ``__main__``; imported (as pytest's doctest collection imports
every module of sim), it draws nothing: drawing at import left the levers' form open in the
importing process, and later pages there failed with "Forms cannot be nested"."""

from sim.app.layout import main

if __name__ == "__main__":
    main()
