#!/usr/bin/env node
// Stays in git so that npm links the command at install time, before dist/ is built.
import "../dist/cli/dag-history.js";
