"""The console's pages, one module per page (or family of forms), each with its own
``APIRouter`` of ``views.PageRoute`` routes; ``grader.console.routes`` assembles them."""
