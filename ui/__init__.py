"""The edges: the Typer CLI and the Gradio web chat."""
