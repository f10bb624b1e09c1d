from posattn.cli import app

app()
