"""The feeds over HTTP: the ASGI server, its precomputed resources, the site and the reloader.

``server.FeedServer`` is a raw ASGI app over a ``Site`` (path -> ``resources.Resource``);
``site.build`` compiles feeds and pages for it and ``site.export`` writes them as static files;
``serve.serve`` runs it under uvicorn with the ``Reloader`` that follows the plan file.
"""
