// The peer, as one ES module for the browser page (bundled by run.mjs with
// rolldown into bench/paths/dist/peer.js; Node imports the packages directly).
import Graph from 'graphology';
import { bidirectional, singleSourceLength } from 'graphology-shortest-path/unweighted';
import dijkstra from 'graphology-shortest-path/dijkstra';

export { Graph, bidirectional, singleSourceLength, dijkstra };
