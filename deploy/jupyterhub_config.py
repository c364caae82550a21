"""A local JupyterHub for trying the CRM Casebook classroom on one machine.

    npm ci                                   # configurable-http-proxy, from package.json
    .venv/bin/pip install -e '.[hub]'        # jupyterhub, SQLAlchemy, psycopg
    mkdir -p hub-state && cd hub-state
    ../.venv/bin/jupyterhub -f ../deploy/jupyterhub_config.py

Then open http://127.0.0.1:8000, sign in with any name (the dummy authenticator takes any
password: for trying it only), start a server and run ``check(...)`` in a notebook: the
kernel sees ``CASEKIT_SERVICE_URL`` and sends the answer to the casekit service, which
records it under the hub user's name. ``http://127.0.0.1:8000/services/casekit/`` shows
what it recorded for you.

Settings (environment variables, all optional):

``CASEKIT_HUB_PORT``        public port of the hub's proxy (8000)
``CASEKIT_HUB_API_PORT``    the hub's own port (8081)
``CASEKIT_PROXY_API_PORT``  the proxy's REST API port (8001)
``CASEKIT_SERVICE_PORT``    the casekit service's port (10101)
``CASEKIT_HUB_DB``          where attempts go: a SQLite file (``casekit-attempts.sqlite``
                            in the folder the hub runs in) or a ``postgresql://`` URL
``CASEKIT_SERVICE_COMMAND`` the command that runs the service (default: ``casekit serve``
                            with the hub's Python)
``CASEKIT_COURSE``          the course file (assessed exercises, deadlines, extensions;
                            ``casekit/hub/course.py``); without it every exercise is practice

For a real course use a real authenticator (your university's OAuth/LTI), a container
spawner, and PostgreSQL; ``deploy/values.yaml`` is the same set-up for Zero to JupyterHub.
"""
import os
import shlex
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

ROOT = Path(__file__).resolve().parents[1]
HUB_PORT = int(os.environ.get("CASEKIT_HUB_PORT", "8000"))
HUB_API_PORT = int(os.environ.get("CASEKIT_HUB_API_PORT", "8081"))
PROXY_API_PORT = int(os.environ.get("CASEKIT_PROXY_API_PORT", "8001"))
SERVICE_PORT = int(os.environ.get("CASEKIT_SERVICE_PORT", "10101"))
ATTEMPTS_DB = os.environ.get("CASEKIT_HUB_DB", str(Path.cwd() / "casekit-attempts.sqlite"))
SERVICE_NAME = "casekit"

# --- the hub: loopback only, any name signs in (dummy), servers as local processes -------
c.JupyterHub.bind_url = f"http://127.0.0.1:{HUB_PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = HUB_API_PORT
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PROXY_API_PORT}"
proxy = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
c.ConfigurableHTTPProxy.command = [str(proxy) if proxy.exists() else
                                   shutil.which("configurable-http-proxy") or str(proxy)]
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.JupyterHub.cleanup_servers = True

# --- the casekit service, run and restarted by the hub -----------------------------------
command = os.environ.get("CASEKIT_SERVICE_COMMAND")
if command:
    command = shlex.split(command)
else:       # `casekit serve`, with the hub's own Python
    command = [sys.executable, "-m", "casekit.cli", "serve"]
c.JupyterHub.services = [{
    "name": SERVICE_NAME,
    "url": f"http://127.0.0.1:{SERVICE_PORT}",
    "command": [*command, "--db", ATTEMPTS_DB],
    "oauth_no_confirm": True,          # students are not asked to allow their own course
    "environment": {"PYTHONHASHSEED": "0",   # the banks' folder, if not the package's own
                    **{k: os.environ[k] for k in ("CASEKIT_EXERCISES", "CASEKIT_COURSE")
                       if k in os.environ}},
}]

# Every user may call the service (a browser after OAuth, a kernel with its token) ...
c.JupyterHub.load_roles = [
    {"name": "user", "scopes": ["self", f"access:services!service={SERVICE_NAME}"]},
]
# ... and so may the token a single-user server gives its kernels (JUPYTERHUB_API_TOKEN),
# which also learn where the service is.
c.Spawner.server_token_scopes = ["users:activity!user", "access:servers!server",
                                 f"access:services!service={SERVICE_NAME}"]
c.Spawner.environment = {
    "CASEKIT_SERVICE_URL": f"http://127.0.0.1:{HUB_PORT}/services/{SERVICE_NAME}/",
}
c.Spawner.default_url = "/lab"
