//! Property tests of the assignors: balanced, deterministic, one owner per item, and stable
//! (work that stays on a worker is never revoked from it).

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::herder::distributed::protocol::CONFIG_MISMATCH;
use crate::herder::distributed::work::task;

fn configured(tasks_per_connector: &[u32]) -> WorkSet {
    let mut w = WorkSet::new();
    for (i, n) in tasks_per_connector.iter().enumerate() {
        let name = format!("c{i}");
        w.tasks.extend((0..*n).map(|t| task(&name, t)));
        w.connectors.insert(name);
    }
    w
}

fn member(id: &str, owned: WorkSet) -> Member {
    Member {
        id: id.into(),
        url: format!("http://{id}/"),
        config_offset: 0,
        owned,
    }
}

/// Asserts every configured item is held by exactly one worker and counts differ by ≤ 1.
fn assert_balanced_exclusive(config: &WorkSet, owned: &BTreeMap<String, WorkSet>) {
    let mut all = WorkSet::new();
    let total: usize = owned.values().map(WorkSet::len).sum();
    owned.values().for_each(|w| all.extend(w));
    assert_eq!(total, all.len(), "an item has two owners: {owned:?}");
    assert_eq!(&all, config, "held work differs from configured work");
    for count in [
        |w: &WorkSet| w.connectors.len(),
        |w: &WorkSet| w.tasks.len(),
    ] {
        let counts: Vec<usize> = owned.values().map(count).collect();
        let (min, max) = (counts.iter().min(), counts.iter().max());
        assert!(
            max.zip(min).is_none_or(|(a, b)| a - b <= 1),
            "unbalanced: {owned:?}"
        );
    }
}

/// A cluster driven through rebalances the way members apply assignments.
struct Sim {
    assignor: IncrementalAssignor,
    owned: BTreeMap<String, WorkSet>,
    generation: i32,
    now: u64,
    /// Every (member, item) revocation seen.
    revoked: Vec<(String, WorkSet)>,
}

impl Sim {
    fn new(max_delay: u64, members: usize) -> Self {
        Sim {
            assignor: IncrementalAssignor::new(max_delay),
            owned: (0..members)
                .map(|i| (format!("w{i}"), WorkSet::new()))
                .collect(),
            generation: 0,
            now: 1_000,
            revoked: Vec::new(),
        }
    }

    fn round(&mut self, config: &WorkSet) -> Assignments {
        let members: Vec<Member> = self
            .owned
            .iter()
            .map(|(id, w)| member(id, w.clone()))
            .collect();
        let leader = members.first().map(|m| m.id.clone()).unwrap_or_default();
        let round = Round {
            leader: &leader,
            leader_url: "http://leader/",
            version: 1,
            config_offset: 0,
            configured: config,
            reserved: &WorkSet::new(),
            members: &members,
        };
        let out = self
            .assignor
            .assign(&round, self.generation + 1, self.generation, self.now);
        self.generation += 1;
        for (id, a) in &out {
            let w = self.owned.get_mut(id).expect("assignment for a member");
            assert!(a.revoked.minus(w).is_empty(), "revoked what it did not own");
            assert!(
                a.assigned.intersect(w).minus(&a.revoked).is_empty(),
                "re-assigned owned work"
            );
            w.remove_all(&a.revoked);
            w.extend(&a.assigned);
            if !a.revoked.is_empty() {
                self.revoked.push((id.clone(), a.revoked.clone()));
            }
        }
        let total: usize = self.owned.values().map(WorkSet::len).sum();
        let mut all = WorkSet::new();
        self.owned.values().for_each(|w| all.extend(w));
        assert_eq!(total, all.len(), "an item has two owners after a round");
        out
    }

    /// Rebalances until a round changes nothing; returns the number of rounds that did.
    fn converge(&mut self, config: &WorkSet) -> usize {
        for rounds in 0..10 {
            let out = self.round(config);
            let delay = out.values().map(|a| a.delay_ms).max().unwrap_or(0);
            if out
                .values()
                .all(|a| a.assigned.is_empty() && a.revoked.is_empty())
                && delay == 0
            {
                return rounds;
            }
            self.now += delay as u64;
        }
        panic!("no convergence: {:?}", self.owned);
    }
}

fn tasks_strategy() -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(0u32..7, 0..7)
}

proptest! {
    #[test]
    fn eager_is_balanced_exclusive_and_deterministic(tasks in tasks_strategy(), n in 1usize..6) {
        let config = configured(&tasks);
        let mut members: Vec<Member> = (0..n).map(|i| member(&format!("w{i}"), WorkSet::new())).collect();
        let round = |members: &[Member]| {
            let r = Round { leader: "w0", leader_url: "u", version: 0, config_offset: 3, configured: &config, reserved: &WorkSet::new(), members };
            eager::assign(&r)
        };
        let out = round(&members);
        let owned: BTreeMap<_, _> = out.iter().map(|(id, a)| (id.clone(), a.assigned.clone())).collect();
        let mut all = WorkSet::new();
        owned.values().for_each(|w| all.extend(w));
        prop_assert_eq!(owned.values().map(WorkSet::len).sum::<usize>(), config.len());
        prop_assert_eq!(&all, &config);
        let counts: Vec<usize> = owned.values().map(WorkSet::len).collect();
        prop_assert!(counts.iter().max().unwrap() - counts.iter().min().unwrap() <= 1);
        members.reverse();
        prop_assert_eq!(round(&members), out);
    }

    #[test]
    fn incremental_from_scratch_converges_balanced(tasks in tasks_strategy(), n in 1usize..6) {
        let config = configured(&tasks);
        let mut sim = Sim::new(0, n);
        prop_assert!(sim.converge(&config) <= 1);
        assert_balanced_exclusive(&config, &sim.owned);
        prop_assert!(sim.revoked.is_empty());
    }

    #[test]
    fn incremental_join_moves_only_excess_work(tasks in tasks_strategy(), n in 1usize..5) {
        let config = configured(&tasks);
        let mut sim = Sim::new(0, n);
        sim.converge(&config);
        let before = sim.owned.clone();
        sim.owned.insert("w9".into(), WorkSet::new());
        sim.revoked.clear();
        prop_assert!(sim.converge(&config) <= 2);
        assert_balanced_exclusive(&config, &sim.owned);
        for (id, revoked) in &sim.revoked {
            // Nothing revoked from a worker comes back to it: work that stays is never stopped.
            prop_assert!(revoked.intersect(&sim.owned[id]).is_empty());
        }
        for (id, w) in &before {
            let kept = w.intersect(&sim.owned[id]);
            let revoked: usize = sim.revoked.iter().filter(|(r, _)| r == id).map(|(_, s)| s.len()).sum();
            prop_assert_eq!(kept.len() + revoked, w.len());
        }
    }

    #[test]
    fn incremental_failover_reassigns_lost_work_at_once(tasks in tasks_strategy(), n in 2usize..6, dead in 0usize..6) {
        let config = configured(&tasks);
        let mut sim = Sim::new(0, n);
        sim.converge(&config);
        let survivors_before = sim.owned.clone();
        let dead = format!("w{}", dead % n);
        sim.owned.remove(&dead);
        sim.revoked.clear();
        let out = sim.round(&config);
        prop_assert!(out.values().all(|a| a.delay_ms == 0));
        assert_balanced_exclusive(&config, &sim.owned);
        prop_assert!(sim.revoked.is_empty());
        for (id, w) in &sim.owned {
            prop_assert!(survivors_before[id].minus(w).is_empty());
        }
        prop_assert_eq!(sim.converge(&config), 0);
    }

    #[test]
    fn incremental_is_deterministic(tasks in tasks_strategy(), n in 1usize..5) {
        let config = configured(&tasks);
        let mut a = Sim::new(0, n);
        let mut b = Sim::new(0, n);
        for _ in 0..3 {
            prop_assert_eq!(a.round(&config), b.round(&config));
            a.owned.insert(format!("x{}", a.generation), WorkSet::new());
            b.owned.insert(format!("x{}", b.generation), WorkSet::new());
        }
    }
}

#[test]
fn config_mismatch_when_a_member_is_ahead() {
    let config = configured(&[1]);
    let mut ahead = member("w1", WorkSet::new());
    ahead.config_offset = 12;
    let members = [member("w0", WorkSet::new()), ahead];
    let round = Round {
        leader: "w0",
        leader_url: "u",
        version: 1,
        config_offset: 10,
        configured: &config,
        reserved: &WorkSet::new(),
        members: &members,
    };
    for out in [
        eager::assign(&round),
        IncrementalAssignor::new(0).assign(&round, 1, 0, 0),
    ] {
        assert_eq!(out.len(), 2);
        for a in out.values() {
            assert_eq!((a.error, a.config_offset), (CONFIG_MISMATCH, 12));
            assert!(a.assigned.is_empty());
        }
    }
}

#[test]
fn deleted_connectors_are_revoked_and_not_reassigned() {
    let mut config = configured(&[2, 2]);
    let mut sim = Sim::new(0, 2);
    sim.converge(&config);
    config.connectors.remove("c1");
    config.tasks.retain(|t| t.connector != "c1");
    sim.converge(&config);
    assert_balanced_exclusive(&config, &sim.owned);
}

#[test]
fn lost_work_waits_for_the_scheduled_delay_when_configured() {
    let config = configured(&[3, 3]);
    let mut sim = Sim::new(10_000, 3);
    sim.converge(&config);
    let lost = sim.owned.remove("w2").expect("w2");
    assert!(!lost.is_empty());
    let out = sim.round(&config);
    assert!(out
        .values()
        .all(|a| a.delay_ms == 10_000 && a.assigned.is_empty()));
    sim.now += 4_000;
    let out = sim.round(&config);
    assert!(out
        .values()
        .all(|a| a.delay_ms == 6_000 && a.assigned.is_empty()));
    // A worker that joins while the leader waits receives the lost work when the delay ends.
    sim.owned.insert("w3".into(), WorkSet::new());
    let out = sim.round(&config);
    assert!(out.values().all(|a| a.assigned.is_empty()));
    sim.now += 6_000;
    let out = sim.round(&config);
    assert_eq!(out["w3"].assigned, lost);
    sim.converge(&config);
    assert_balanced_exclusive(&config, &sim.owned);
}

#[test]
fn duplicated_work_is_revoked_from_every_holder_then_placed_once() {
    let config = configured(&[2]);
    let mut sim = Sim::new(0, 2);
    let dup = WorkSet::of([], [task("c0", 0)]);
    sim.owned.insert("w0".into(), dup.clone());
    sim.owned.insert("w1".into(), dup.clone());
    sim.converge(&config);
    assert_balanced_exclusive(&config, &sim.owned);
    let members = [member("a", dup.clone()), member("b", dup)];
    let round = Round {
        leader: "a",
        leader_url: "u",
        version: 2,
        config_offset: 0,
        configured: &config,
        reserved: &WorkSet::new(),
        members: &members,
    };
    let out = IncrementalAssignor::new(0).assign(&round, 1, 0, 0);
    assert!(out
        .values()
        .all(|a| a.revoked.tasks.contains(&task("c0", 0))));
}

/// A `sessioned` round led by w0.
fn round<'a>(configured: &'a WorkSet, reserved: &'a WorkSet, members: &'a [Member]) -> Round<'a> {
    Round {
        leader: "w0",
        leader_url: "u",
        version: 2,
        config_offset: 0,
        configured,
        reserved,
        members,
    }
}

#[test]
fn work_on_its_way_out_counts_in_the_shares_so_nothing_else_is_revoked() {
    // w1 joins w0 and w2, which hold two connectors each: one connector (c3, the last of
    // the second worker in member order) is revoked for w1.
    let config = configured(&[0, 0, 0, 0]);
    let mut assignor = IncrementalAssignor::new(0);
    let held = |names: &[&str]| WorkSet::of(names.iter().map(|n| n.to_string()), []);
    let members = [
        member("w0", held(&["c0", "c1"])),
        member("w1", WorkSet::new()),
        member("w2", held(&["c2", "c3"])),
    ];
    let nothing = WorkSet::new();
    let out = assignor.assign(&round(&config, &nothing, &members), 1, 0, 0);
    assert_eq!(out["w2"].revoked, held(&["c3"]));
    assert!(out["w0"].revoked.is_empty() && out["w1"].assigned.is_empty());

    // The next round comes before w2 confirmed stopping c3 (a broker without a join barrier
    // answers the leader's rejoin with w2's old metadata): c3 is reserved. The others keep
    // their shares of four connectors; nothing more is revoked.
    let on_its_way = held(&["c3"]);
    let members = [
        member("w0", held(&["c0", "c1"])),
        member("w1", WorkSet::new()),
        member("w2", held(&["c2"])),
    ];
    let rest = config.minus(&on_its_way);
    let out = assignor.assign(&round(&rest, &on_its_way, &members), 2, 1, 0);
    assert!(
        out.values().all(|a| a.revoked.is_empty()),
        "revoked while c3 is on its way: {out:?}"
    );

    // Once w2 confirmed, c3 goes to w1.
    let out = assignor.assign(&round(&config, &nothing, &members), 3, 2, 0);
    assert_eq!(out["w1"].assigned, on_its_way);
    assert!(out.values().all(|a| a.revoked.is_empty()));
}
