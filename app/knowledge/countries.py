"""stub"""

def register_builtin_sections():
    pass
