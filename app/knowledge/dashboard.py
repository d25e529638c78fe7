"""stub"""

def register_builtin_figures():
    pass
