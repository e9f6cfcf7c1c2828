//! What survives a crash: `sync_all` makes a file's content durable, `sync_dir` a directory's
//! entries, and a crash rebuilds the tree from the durable views alone.

use std::collections::{BTreeMap, BTreeSet};

use std::sync::Arc;

use super::tree::{Kind, NodeId, ROOT, State};
use crate::MockRng;

impl State {
    /// Makes node `id`'s current view durable: a file's content, or a directory's entries.
    pub(super) fn sync_node(&mut self, id: NodeId) {
        let old_durable = match &mut self.nodes.get_mut(&id).expect("live node").kind {
            Kind::File { data, durable } => {
                *durable = data.clone();
                return;
            }
            Kind::Dir { entries, durable } => std::mem::replace(durable, entries.clone()),
            // A link never changes after it is made: always durable.
            Kind::Symlink { .. } => return,
        };
        // Count the new durable entries before dropping the old ones, so that no node is
        // freed in between while it is still named in both.
        let new_durable: Vec<NodeId> = match &self.node(id).kind {
            Kind::Dir { durable, .. } => durable.values().copied().collect(),
            Kind::File { .. } | Kind::Symlink { .. } => {
                unreachable!("a directory was just synced")
            }
        };
        for child in new_durable {
            self.adjust(child, |child| child.durable_links += 1);
        }
        for child in old_durable.into_values() {
            self.adjust(child, |child| child.durable_links -= 1);
        }
    }

    /// Makes everything reachable now durable, as if every file and directory were synced.
    pub(super) fn sync_everything(&mut self) {
        let mut reachable = vec![ROOT];
        let mut index = 0;
        while let Some(&id) = reachable.get(index) {
            if let Kind::Dir { entries, .. } = &self.node(id).kind {
                reachable.extend(entries.values().copied());
            }
            index += 1;
        }
        // Files first, then directories from the deepest up: a directory's sync can free
        // what only its old durable entries named, and nothing reached here is among those.
        for &id in reachable.iter().rev() {
            self.sync_node(id);
        }
    }

    /// A power loss: every file falls back to its durable content and every directory to
    /// its durable entries, from the root down; whatever that no longer reaches is gone.
    /// Writers opened before are dead (their generation is over).
    ///
    /// With `writeback`, some unsynced state had reached storage before the power failed:
    /// each file whose content differs from its durable one keeps the durable content, the
    /// current one, or the current one cut at a random length (a write caught mid-way); each
    /// directory whose entries differ keeps the durable entries or the current ones.
    pub(super) fn crash(&mut self, mut writeback: Option<&mut MockRng>) {
        let mut kept = BTreeMap::new();
        let mut seen = BTreeSet::new();
        let mut pending = vec![ROOT];
        while let Some(id) = pending.pop() {
            if !seen.insert(id) {
                continue;
            }
            let mut node = self
                .nodes
                .remove(&id)
                .expect("crash reaches only live nodes");
            match &mut node.kind {
                Kind::File { data, durable } => {
                    let survivor = match writeback.as_deref_mut() {
                        Some(rng) if data != durable => match rng.below(3) {
                            0 => durable.clone(),
                            1 => data.clone(),
                            _ => {
                                let cut = rng.below(data.len() as u64 + 1) as usize;
                                Arc::new(data[..cut].to_vec())
                            }
                        },
                        _ => durable.clone(),
                    };
                    *data = survivor.clone();
                    *durable = survivor;
                }
                Kind::Dir { entries, durable } => {
                    let keep_current = match writeback.as_deref_mut() {
                        Some(rng) if entries != durable => rng.below(2) == 1,
                        _ => false,
                    };
                    if keep_current {
                        *durable = entries.clone();
                    } else {
                        *entries = durable.clone();
                    }
                    pending.extend(entries.values().copied());
                }
                Kind::Symlink { .. } => {}
            }
            node.links = 0;
            node.durable_links = 0;
            node.open = 0;
            kept.insert(id, node);
        }
        let children: Vec<NodeId> = kept
            .values()
            .filter_map(|node| match &node.kind {
                Kind::Dir { entries, .. } => Some(entries.values().copied()),
                Kind::File { .. } | Kind::Symlink { .. } => None,
            })
            .flatten()
            .chain([ROOT])
            .collect();
        for child in children {
            let node = kept.get_mut(&child).expect("kept above");
            node.links += 1;
            node.durable_links += 1;
        }
        self.nodes = kept;
        self.used = self
            .nodes
            .values()
            .map(|node| match &node.kind {
                Kind::File { data, .. } => data.len() as u64,
                Kind::Dir { .. } | Kind::Symlink { .. } => 0,
            })
            .sum();
        self.generation += 1;
    }
}
