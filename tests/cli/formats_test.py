#!/usr/bin/env python3
"""hoplab's machine-readable outputs checked by independent readers.

Every --json output (trace, report, replay) validates against
docs/hoplab.schema.json (python3-jsonschema); --dot graphs render with
Graphviz's dot, whose JSON rendering must hold the nodes and edges the
path has; a report's progress display shows on a terminal's stderr only.
Runs on the built-in simulated network only: no packet leaves.

Usage: formats_test.py HOPLAB_BINARY
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

import jsonschema

BINARY = None
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = "198.51.100.7"


def hoplab(*args):
    run = subprocess.run([BINARY, *args], capture_output=True, text=True,
                         check=False, timeout=60)
    if run.returncode != 0:
        raise AssertionError(f"hoplab {' '.join(args)}: {run.stderr}")
    return run


class JsonSchemaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(ROOT, "docs", "hoplab.schema.json")) as f:
            cls.schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(cls.schema)
        cls.validator = jsonschema.Draft202012Validator(cls.schema)

    def assert_valid(self, args, kind):
        document = json.loads(hoplab(*args).stdout)
        errors = [e.message for e in self.validator.iter_errors(document)]
        self.assertEqual(errors, [], f"hoplab {' '.join(args)}")
        self.assertEqual(document["schema_version"], 1)
        self.assertEqual(document["kind"], kind)
        return document

    def test_trace_outputs_follow_the_schema(self):
        for extra in ([], ["-U"], ["-T", "-p", "25"], ["-m", "3"], ["-e"]):
            self.assert_valid(["trace", "--json", *extra, TARGET], "trace")

    def test_report_outputs_follow_the_schema(self):
        for extra in ([], ["-U"], ["-m", "3"], ["-n"]):
            report = self.assert_valid(
                ["trace", "--report", "-c", "3", "--json", *extra, TARGET],
                "report")
            self.assertEqual(report["cycles"], 3)

    def test_replay_output_follows_the_schema(self):
        with tempfile.TemporaryDirectory() as tmp:
            pcap = os.path.join(tmp, "trace.pcap")
            hoplab("trace", "-n", "--pcap", pcap, TARGET)
            replay = self.assert_valid(["replay", "-n", "--json", pcap],
                                       "replay")
            self.assertEqual(len(replay["traces"]), 1)

    def test_every_golden_json_follows_the_schema(self):
        golden = os.path.join(ROOT, "tests", "cli", "golden")
        names = sorted(n for n in os.listdir(golden) if n.endswith(".json"))
        self.assertGreaterEqual(len(names), 8)
        for name in names:
            with open(os.path.join(golden, name)) as f:
                errors = [e.message
                          for e in self.validator.iter_errors(json.load(f))]
            self.assertEqual(errors, [], name)

    def test_schema_rejects_a_report_without_its_version(self):
        report = json.loads(
            hoplab("trace", "--report", "-c", "1", "--json", TARGET).stdout)
        del report["schema_version"]
        self.assertFalse(self.validator.is_valid(report))


class DotTest(unittest.TestCase):
    def render(self, *args, target=TARGET):
        """The node names, edges, positions and DOT text of `--dot`."""
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "path.dot")
            hoplab("trace", "-n", "--dot", path, *args, target)
            with open(path) as f:
                text = f.read()
            rendered = subprocess.run(["dot", "-Tjson", path],
                                      capture_output=True, text=True,
                                      check=True, timeout=60)
            # The SVG a user makes from it, without a warning.
            svg = subprocess.run(["dot", "-Tsvg", path],
                                 capture_output=True, text=True,
                                 check=True, timeout=60)
            self.assertEqual(svg.stderr, "")
            self.assertIn("<svg", svg.stdout)
        graph = json.loads(rendered.stdout)
        # Subgraphs (the rank=same groups) are objects too; nodes are the
        # objects that hold no nodes of their own.
        names = {o["_gvid"]: o["name"] for o in graph.get("objects", [])
                 if "nodes" not in o}
        self.labels = {o["name"]: o["label"]
                       for o in graph.get("objects", []) if "nodes" not in o}
        edges = [(names[e["tail"]], names[e["head"]])
                 for e in graph.get("edges", [])]
        self.assertEqual(len(edges), len(set(edges)), "an edge drawn twice")
        positions = {o["name"]: tuple(map(float, o["pos"].split(",")))
                     for o in graph.get("objects", [])
                     if "pos" in o and "nodes" not in o}
        self.text = text
        return set(names.values()), set(edges), positions

    def test_draws_one_node_per_responder_and_edges_per_ttl_step(self):
        nodes, edges, _ = self.render("-U", "--report", "-c", "3")
        self.assertIn("source", nodes)
        self.assertIn("h4_203_0_113_229", nodes)
        self.assertIn("h4_203_0_113_230", nodes)
        self.assertIn("h9_198_51_100_7", nodes)
        self.assertEqual(len(nodes), 11)  # source, 8 routers + 1, the target
        self.assertIn(("source", "h1_192_0_2_1"), edges)
        for balanced in ("h4_203_0_113_229", "h4_203_0_113_230"):
            self.assertIn(("h3_198_51_100_9", balanced), edges)
            self.assertIn((balanced, "h5_203_0_113_156"), edges)

    def test_puts_a_balanced_hops_routers_side_by_side(self):
        _, _, positions = self.render("-U")
        left = positions["h4_203_0_113_229"]
        right = positions["h4_203_0_113_230"]
        self.assertEqual(left[1], right[1])  # the same rank
        self.assertNotEqual(left[0], right[0])

    def test_draws_a_silent_hop_for_a_path_cut_short(self):
        nodes, edges, _ = self.render("-m", "2", "-w", "1")
        self.assertEqual(nodes, {"source", "h1_192_0_2_1", "h2_198_51_100_1"})
        self.assertEqual(len(edges), 2)

    def test_keeps_a_router_that_answers_at_two_ttls_apart(self):
        # The firewall answers hop 2 with Time Exceeded and hop 3 with
        # "!X" (administratively prohibited), as the text output shows.
        nodes, edges, positions = self.render(
            "-U", "--sim", os.path.join(ROOT, "sim", "topologies",
                                        "firewall.yaml"),
            target="203.0.113.70")
        self.assertEqual(nodes, {"source", "h1_192_0_2_1", "h2_198_51_100_1",
                                 "h3_198_51_100_1"})
        self.assertEqual(edges, {("source", "h1_192_0_2_1"),
                                 ("h1_192_0_2_1", "h2_198_51_100_1"),
                                 ("h2_198_51_100_1", "h3_198_51_100_1")})
        self.assertEqual(self.labels["h3_198_51_100_1"], "3. 198.51.100.1 !X")
        self.assertGreater(positions["h2_198_51_100_1"][1],
                           positions["h3_198_51_100_1"][1])  # TTL 3 below
        self.assertEqual(self.text.count("rank=same"), 3)  # once per TTL


class ProgressTest(unittest.TestCase):
    def test_prints_no_progress_when_stderr_is_not_a_terminal(self):
        run = hoplab("trace", "-n", "--report", "-c", "3", TARGET)
        self.assertEqual(run.stderr, "")

    def test_shows_progress_on_a_terminal(self):
        # script(1) gives hoplab a pseudo-terminal for stdout and stderr.
        run = subprocess.run(
            ["script", "-qec",
             f"{BINARY} trace -n --report -c 3 {TARGET}", "/dev/null"],
            capture_output=True, text=True, check=True, timeout=60)
        self.assertIn("hoplab: cycle 3/3", run.stdout)
        self.assertIn("HOST: 192.0.2.100", run.stdout)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main()
