"""gunicorn settings of the web process (read from the working directory; flags on the command line win).

The access log goes to stdout through natero.logs.GunicornLogger, which writes API keys in URLs as [redacted].
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
accesslog = "-"
logger_class = "natero.logs.GunicornLogger"
# gunicorn 27 would otherwise open a control socket in the home folder.
control_socket_disable = True
