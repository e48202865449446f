"""One router per capability; ``web.app.create_app`` mounts them all."""
