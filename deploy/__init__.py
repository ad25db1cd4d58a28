"""The production deployment: nginx in front of N app processes and M huey workers.

`deploy.stack` renders the nginx config and starts (or describes) the processes; `deploy.serve`
is one app process. README "Productie" explains the layout.
"""
