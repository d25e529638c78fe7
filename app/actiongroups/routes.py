"""Action group views. The public list and workspaces arrive with the workspace issue."""
