"""moto's server mode, with CloudFormation's change sets made to behave like AWS's (cloudformation_patch.py),
DynamoDB's Query reading one partition, as DynamoDB does (dynamodb_patch.py), and EventBridge forwarding an event to
another account's or region's bus as it was, as EventBridge does (events_patch.py).

Run exactly like moto_server: `python3 local/moto/server.py -H 127.0.0.1 -p PORT`. Everything else is moto's own
server: its request log, /moto-api/reset, accounts. The CloudFormation patch is applied when moto first imports
its CloudFormation modules (on the first CloudFormation call), so starting the server costs no more than before:
importing moto.cloudformation.models eagerly pulls in most of moto and adds ~2 s.
"""

import importlib.abc
import importlib.machinery
import sys

# local/moto.ts reads this exit code as "moto is not installed for this Python" and says how to install it.
MOTO_MISSING_EXIT = 3

try:
    import moto.server
except ImportError as error:
    install = 'Install moto\'s server mode: pip install "moto[server]"'
    print(f"moto is not importable by {sys.executable} ({error}). {install}", file=sys.stderr)
    sys.exit(MOTO_MISSING_EXIT)

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
import cloudformation_patch  # noqa: E402  (beside this file: the script's folder is on sys.path)
import dynamodb_patch  # noqa: E402
import events_patch  # noqa: E402


class PatchAfterImport(importlib.abc.MetaPathFinder):
    """Runs a patch on a module right after the module itself has run, whoever imports it first."""

    def __init__(self, patches):
        self.patches = patches

    def find_spec(self, fullname, path, target=None):
        patch = self.patches.get(fullname)
        if patch is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        run_module = spec.loader.exec_module

        def exec_module(module):
            run_module(module)
            patch(module)

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(
    0,
    PatchAfterImport(
        {
            "moto.cloudformation.models": cloudformation_patch.patch_models,
            "moto.cloudformation.responses": cloudformation_patch.patch_responses,
            "moto.dynamodb.models.table": dynamodb_patch.patch_models,
            "moto.events.models": events_patch.patch_models,
        }
    ),
)

if __name__ == "__main__":
    moto.server.main(sys.argv[1:])
