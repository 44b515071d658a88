/*
 * prune.pml: basin's lock-free maintenance protocol (docs/format/maintenance.md, with
 * repository.md's journal and commit protocol), for spin. model/README.md says what is
 * modelled, what is abstracted away and why, and how to run it (model/check.sh).
 *
 * Processes: two backups (W1-W3), one prune (P1-P8), one restore (R1), one forget.
 * Crashes: a process that stops at a step is a process never scheduled again; the search
 * visits every state in which any process sits at any step while the others go on, so
 * every crash point is covered without explicit crash branches (README, "Crashes").
 *
 * Broken variants (spin -DBROKEN_X): each must produce a counterexample, except
 * BROKEN_DEDUP_CONDEMNED (README: the rule it drops is a cost, not a safety rule).
 *   BROKEN_NO_W3            the writer skips the W3 check at commit
 *   BROKEN_NO_REMARK        the prune skips the P6 re-mark (and its rescue)
 *   BROKEN_DELETE_EARLY     the prune deletes strata before the deletion record (M1)
 *   BROKEN_DEDUP_CONDEMNED  dedup lookups do not skip condemned strata (M4)
 *   BROKEN_NO_INTENT_MARK   the prune skips P5's mark before each intent attempt
 *   BROKEN_COLLECT_STALE    collected strata are not re-checked against commits at P7
 *   BROKEN_NO_REFRESH       the restore does not refresh and retry on NotFound (R1)
 *   BROKEN_BLIND_PUT        journal puts overwrite (not create-only)
 * Reachability probes (spin -DREACH_X): an assertion that fails when the search reaches a
 * path that matters, so that a model where it cannot happen does not pass vacuously.
 *   REACH_W3_COLLECTED      a backup fails W3 because a prune collected its strata
 *   REACH_W3_WALK           a backup fails W3's walk (a grain it deduplicated is gone)
 *   REACH_RESCUE            the prune rescues a condemned stratum at P6
 *   REACH_R1                a restore's NotFound is resolved by R1's refresh
 *   REACH_COLLECT           a deletion record names a collected (uncommitted) stratum
 * A proposed refinement (spin -DRESCUE_NEEDED; README, "Findings"): P5/P6 rescue a
 * condemned stratum only for a newly live grain that has no copy outside the condemned set.
 * Smaller configurations, for experiments: -DNO_B2 (one backup), -DNO_RESTORE.
 */

#define NS 4        /* strata: 0 the initial one, 1 backup 1's, 2 backup 2's, 3 the prune's */
#define NJ 7        /* journal slots 1..NJ-1 (0 unused): at most 6 records are ever written */
#define BIT(i) (1 << (i))
#define PRUNE_S 3

/* grains (bit masks): a grain is any keyed record a snapshot reaches: tree, clast list, chunk */
#define G0 1
#define G1 2
#define G2 4
/* snapshots 0 and 1 are committed by the first record; 2 is backup 1's, 3 backup 2's */

/* ---- the store ---- */
byte jput_n[NJ];   /* puts that wrote journal/<seq> (0: absent; I2 says never more than 1) */
byte jstr[NJ];     /* strata added (fields 6, with their index table 8) */
byte jsnap[NJ];    /* snapshots added (10), low 4 bits; removed (12), high 4 bits */
byte jpr[NJ];      /* 128 | condemned: a prune intent (16); intent seq << 4 | ids: strata
                    * deleted (18) */
#define JUSED(k) (jput_n[k] != 0)
#define INTENT(c) (128 | (c))
#define DELETION(p, ids) (((p) << 4) | (ids))

byte obj;          /* stratum objects that exist (a sealed upload appears whole) */
byte marks;        /* pending/ markers ever put: a lagging listing may show any of them */
byte content[NS];  /* the grains each stratum holds (its tail's grain index) */
byte snapg[4];     /* the grains each snapshot references */

/* ghost: the state that applying the whole journal gives (records are contiguous) */
byte gcom, gdel, glive, gpend, gcond;
/* what a process computes but never uses (not part of the state) */
hidden byte unused1, unused2;

/* ---- invariants ---- */
/* strata whose grains a read can find: named by a record, not deleted, object present */
#define OKS(i) (((gcom & ~gdel & obj & BIT(i)) != 0) -> content[i] : 0)
#define AVAIL (OKS(0) | OKS(1) | OKS(2) | OKS(3))
#define SNAPOK(x) (((glive & BIT(x)) == 0) || ((snapg[x] & ~AVAIL) == 0))
/* INV1: no committed, live snapshot references a grain none of whose copies exists in a
 * non-deleted stratum */
#define INV1 (SNAPOK(0) && SNAPOK(1) && SNAPOK(2) && SNAPOK(3))

/* the grains held by the strata in mask m */
#define GRAINS(m) ((((m) & 1) != 0 -> content[0] : 0) | (((m) & 2) != 0 -> content[1] : 0) | \
                   (((m) & 4) != 0 -> content[2] : 0) | (((m) & 8) != 0 -> content[3] : 0))
/* the grains the snapshots in mask m reference */
#define SNAPGRAINS(m) ((((m) & 1) != 0 -> snapg[0] : 0) | (((m) & 2) != 0 -> snapg[1] : 0) | \
                       (((m) & 4) != 0 -> snapg[2] : 0) | (((m) & 8) != 0 -> snapg[3] : 0))

/* Applying record k to a state (repository.md "State", maintenance.md "Applying"). */
inline apply(k, com, del, live, pend, cond, added) {
  com = com | (jstr[k] & ~del);  /* a stratum added of a deleted id is ignored */
  added = added | (jsnap[k] & 15);
  live = (live | (jsnap[k] & 15)) & ~(jsnap[k] >> 4);
  if
  :: (jpr[k] & 128) != 0 -> pend = k; cond = jpr[k] & 15  /* replaces any pending intent */
  :: (jpr[k] & 112) != 0 && (jpr[k] >> 4) == pend ->
     del = del | (jpr[k] & 15); pend = 0; cond = 0
  :: else -> skip  /* (a deletion that follows another intent is void) */
  fi
}

/* Opening / refreshing: GET journal/<seen+1>, ... until one is absent. Records are
 * immutable and contiguous, so reading them in one step is exact. */
inline refresh(live, added) {
  do
  :: seen + 1 < NJ && JUSED(seen + 1) ->
     seen++;
     apply(seen, vcom, vdel, live, vpend, vcond, added)
  :: else -> break
  od
}

/* A create-only put of journal/<k> (If-None-Match): ok when this put wrote the slot. The
 * caller fills the record's fields in the same step. */
inline jput(k, ok) {
  assert(k < NJ);
#ifdef BROKEN_BLIND_PUT
  ok = 1;
#else
  ok = !JUSED(k);
#endif
  if
  :: ok ->
     jput_n[k]++;
     assert(jput_n[k] == 1);         /* I2: a seq holds at most one record, forever */
     assert(k == 1 || JUSED(k - 1))  /* the journal has no holes */
  :: else -> skip
  fi
}

/* after a successful put: the ghost state takes the record; INV1 must hold */
inline committed(k) {
  apply(k, gcom, gdel, glive, gpend, gcond, unused1);
  assert(INV1)
}

/* ---------------------------------------------------------------- backups (W1-W4) */

/* Every step below is one atomic block holding at most one store interaction (a request,
 * or the GETs of one journal refresh) and the local computation around it. Local work
 * commutes with every other process, so folding it into the neighbouring request loses
 * no interleaving; a separate step would only multiply states. A process ends inside
 * its last step (break out of a do) and forgets its memory there. */

inline backup_forget() {
  seen = 0; vcom = 0; vdel = 0; vpend = 0; vcond = 0;
  delAtOpen = 0; adopted = 0; avail = 0; own = 0; named = 0; delNew = 0; ok = 0
}

proctype Backup(byte me; byte other; byte snap; byte want) {
  byte seen, vcom, vdel, vpend, vcond;
  byte delAtOpen, adopted, avail, own, named, delNew;
  bool ok;

  /* open: the journal state */
  d_step {
    refresh(unused1, unused2);
    delAtOpen = vdel;
    printf("B%d opens at seq %d (condemned %d, deleted %d)\n", me, seen, vcond, vdel)
  }

  /* W2: one listing of pending/, lagging (it may show any marker ever put, or miss it),
   * then a tail read of each listed stratum neither committed nor deleted; an absent
   * object (upload under way, or collected) is skipped. Its grains become dedup targets. */
  atomic {
    if
    :: (marks & ~vcom & ~vdel & obj & BIT(other)) != 0 ->
       adopted = BIT(other); avail = content[other];
       printf("B%d adopts stratum %d (grains %d)\n", me, other, content[other])
    :: true -> skip
    fi
  }
  atomic {
    if
    :: (marks & ~vcom & ~vdel & obj & BIT(PRUNE_S)) != 0 ->
       adopted = adopted | BIT(PRUNE_S); avail = avail | content[PRUNE_S];
       printf("B%d adopts stratum 3 (grains %d)\n", me, content[PRUNE_S])
    :: true -> skip
    fi;
    /* dedup lookups (local): entries of deleted and condemned strata are skipped */
#ifdef BROKEN_DEDUP_CONDEMNED
    own = want & ~(avail | GRAINS(vcom & ~vdel));
#else
    own = want & ~(avail | GRAINS(vcom & ~vdel & ~vcond));
#endif
    avail = 0;
    named = adopted;
    printf("B%d dedups grains %d, uploads grains %d\n", me, want & ~own, own);
    /* W1: the marker before the stratum's first byte. (Put in this step: a marker that
     * exists earlier only lets listings show more, and nothing else reads it.) */
    if
    :: own == 0 -> goto commit  /* everything deduplicated: nothing to upload */
    :: else -> marks = marks | BIT(me)
    fi
  }

  /* the stratum, sealed: the object appears whole */
  atomic {
    content[me] = own; obj = obj | BIT(me); named = named | BIT(me);
    printf("B%d seals stratum %d\n", me, me)
  }

  /* commit protocol step 3 with W3: apply every record below seq, check, put; on a
   * conflict (another process won this seq) apply it and try the next */
commit:
  do
  :: atomic {
       d_step {
         refresh(unused1, unused2);
#ifndef BROKEN_NO_W3
         delNew = vdel & ~delAtOpen;
         /* fail if a prune collected strata of this backup; else, if a prune deleted
          * anything since the open, walk the snapshot: every grain it did not put
          * itself, looked up for reading (adopted strata are not deleted, just checked),
          * and fail if one is missing (a prune removed data this backup relied on) */
         ok = (delNew & named) == 0;
#ifdef REACH_W3_COLLECTED
         assert(ok);
#endif
         if
         :: ok && delNew != 0 ->
            ok = (want & ~own & ~GRAINS((vcom & ~vdel) | adopted)) == 0;
#ifdef REACH_W3_WALK
            assert(ok)
#endif
         :: else -> skip
         fi;
         delNew = 0
#else
         ok = 1
#endif
       }
       if
       :: !ok -> printf("B%d fails at W3 (seq %d)\n", me, seen + 1); backup_forget(); break
       :: else -> skip
       fi;
#ifdef BROKEN_BLIND_PUT
     }
     atomic {  /* the put as a request of its own, after the reads */
#endif
       d_step {
         jput(seen + 1, ok);
         if
         :: ok ->
            jstr[seen + 1] = named;
            jsnap[seen + 1] = BIT(snap);
            printf("B%d commits snapshot %d (strata %d) at seq %d\n", me, snap, named, seen + 1);
            committed(seen + 1)
         :: else -> skip
         fi
       }
       if
       :: ok -> backup_forget(); break
       /* W4 (deleting the markers) is abstracted: listings show any marker ever put */
       :: else -> skip
       fi
     }
  od
}

/* ---------------------------------------------------------------- prune (P1-P8) */

/* the prune also remembers which record named each stratum last: the newest table's
 * entry is a grain's resolved location (P2) */
inline prefresh() {
  do
  :: seen + 1 < NJ && JUSED(seen + 1) ->
     seen++;
     apply(seen, vcom, vdel, vlive, vpend, vcond, vadded);
     i = 0;
     do
     :: i < NS ->
        if
        :: (jstr[seen] & BIT(i)) != 0 -> pidx[i] = seen
        :: else -> skip
        fi;
        i++
     :: else -> break
     od;
     i = 0
  :: else -> break
  od
}

/* mark the snapshots that the records applied since vadded was cleared added; rescue a
 * condemned stratum holding a grain that is now live and was not copied (P5, P6) */
inline remark() {
  L = L | SNAPGRAINS(vadded);
  i = 0;
  do
  :: i < NS ->
     if
#ifdef RESCUE_NEEDED
     /* proposed refinement (README, "Findings"): rescue only for a newly live grain
      * with no indexed copy outside the condemned set */
     :: (cond & BIT(i)) != 0 &&
        (content[i] & L & ~Lorig & ~copied & ~GRAINS(vcom & ~vdel & ~cond)) != 0 ->
#else
     :: (cond & BIT(i)) != 0 && (content[i] & L & ~Lorig & ~copied) != 0 ->
#endif
#ifdef REACH_RESCUE
        assert(P == 0);  /* a rescue after the intent (P6) */
#endif
        cond = cond & ~BIT(i)
     :: else -> skip
     fi;
     i++
  :: else -> break
  od;
  i = 0
}

/* the next stratum in ids at or after i (NS: none) */
inline next_id() {
  do
  :: i < NS && (ids & BIT(i)) == 0 -> i++
  :: else -> break
  od
}

inline prune_forget() {
  seen = 0; vcom = 0; vdel = 0; vlive = 0; vpend = 0; vcond = 0; vadded = 0;
  i = 0;
  do
  :: i < NS -> pidx[i] = 0; livein[i] = 0; i++
  :: else -> break
  od;
  L = 0; Lorig = 0; copied = 0; cond = 0; coll = 0; ids = 0; P = 0; i = 0; g = 0;
  best = 0; phase = 0; ok = 0
}

/* the deletion record (P7) at the next seq */
inline put_deletion() {
  jput(seen + 1, ok);
  if
  :: ok ->
     jpr[seen + 1] = DELETION(P, ids);
     printf("prune commits strata deleted %d at seq %d\n", ids, seen + 1);
#ifdef REACH_COLLECT
     assert((ids & ~cond) == 0);  /* a collected stratum deleted */
#endif
     committed(seen + 1)
  :: else -> skip
  fi
}

proctype Prune() {
  byte seen, vcom, vdel, vlive, vpend, vcond, vadded;
  byte pidx[NS], livein[NS];
  byte L, Lorig, copied, cond, coll, ids, P, i, g, best, phase;
  bool ok;

  /* P1 mark (open at S0, walk every live snapshot) and P2 inventory */
  d_step {
    prefresh();
    vadded = 0;
    L = SNAPGRAINS(vlive);
    Lorig = L;
    printf("prune opens at seq %d, live grains %d\n", seen, L);
    /* each live grain's resolved location: the newest entry, skipping deleted strata */
    g = 1;
    do
    :: g <= G2 ->
       if
       :: (L & g) != 0 ->
          best = NS;
          i = 0;
          do
          :: i < NS ->
             if
             :: (vcom & ~vdel & BIT(i)) != 0 && (content[i] & g) != 0 &&
                (best == NS || pidx[i] > pidx[best]) -> best = i
             :: else -> skip
             fi;
             i++
          :: else -> break
          od;
          if
          :: best < NS -> livein[best] = livein[best] | g
          :: else -> skip
          fi
       :: else -> skip
       fi;
       g = g << 1
    :: else -> break
    od;
    i = 0;
    g = 0;
    best = 0
  }

  /* P3 plan, with one listing of pending/ and strata/ */
  atomic {
    i = 0;
    do
    :: i < PRUNE_S ->
       if
       :: (vcom & ~vdel & BIT(i)) != 0 && livein[i] == 0 ->
          cond = cond | BIT(i)  /* no live bytes: delete whole */
       :: (vcom & ~vdel & BIT(i)) != 0 && livein[i] != 0 ->
          /* whichever strata a policy (threshold, size limits, cold) repacks */
          if
          :: cond = cond | BIT(i); copied = copied | livein[i]
          :: skip
          fi
       :: else -> skip
       fi;
       i++
    :: else -> break
    od;
    /* collect uncommitted strata (a marker, or an object no record names) of any age:
     * the store's clock may call any of them abandoned (a writer asleep) */
    i = 1;
    do
    :: i < PRUNE_S ->
       if
       :: (vcom & BIT(i)) == 0 && ((marks | obj) & BIT(i)) != 0 ->
          if
          :: coll = coll | BIT(i)
          :: skip
          fi
       :: else -> skip
       fi;
       i++
    :: else -> break
    od;
    i = 0;
    printf("prune plans: condemn strata %d, copy grains %d, collect strata %d\n", cond,
           copied, coll);
    /* P4's marker (W1), put in this step as a backup's is */
    if
    :: copied == 0 -> goto intent
    :: else -> marks = marks | BIT(PRUNE_S)
    fi
  }

  /* P4 repack: ranged reads of the live grains, seal */
  atomic {
    i = 0;
    do
    :: i < PRUNE_S ->
       /* nothing but this prune deletes a committed stratum: the reads find their grains */
       assert(livein[i] == 0 || (cond & BIT(i)) == 0 || (obj & BIT(i)) != 0);
       i++
    :: else -> break
    od;
    i = 0;
    content[PRUNE_S] = copied;
    obj = obj | BIT(PRUNE_S);
    printf("prune seals stratum 3 (grains %d)\n", copied)
  }

  /* P5 intent: mark what records in (S0, X) added, rescue, put at X; retry on conflict */
intent:
  do
  :: atomic {
       d_step {
         prefresh();
#ifndef BROKEN_NO_INTENT_MARK
         remark()
#else
         skip
#endif
       }
#ifdef BROKEN_BLIND_PUT
     }
     atomic {
#endif
       d_step {
         jput(seen + 1, ok);
         if
         :: ok ->
            P = seen + 1;
            jstr[P] = (copied != 0 -> BIT(PRUNE_S) : 0);
            jpr[P] = INTENT(cond);
            printf("prune commits its intent at seq %d: condemned %d\n", P, cond);
            committed(P);
            vadded = 0  /* P6 marks what records after the intent add */
         :: else -> skip
         fi
       }
       if
       :: ok -> break
       :: else -> skip
       fi
     }
  od;

  /* P6 re-mark up to the next free seq Y, P7 the deletion record at Y (on conflict, P6
   * again), P8 physical deletes one request each (markers, tail copies abstracted) */
  do
  :: atomic {
       phase == 0 ->
       d_step { prefresh() };
       if
       :: vpend != P -> prune_forget(); break  /* superseded: delete nothing */
       :: else -> skip
       fi;
       d_step {
#ifndef BROKEN_NO_REMARK
         remark();
#endif
#ifdef BROKEN_COLLECT_STALE
         ids = cond | coll
#else
         ids = cond | (coll & ~vcom)  /* collected strata still uncommitted at Y */
#endif
       };
#ifdef BROKEN_DELETE_EARLY
       /* P8 before P7: M1 violated */
       i = 0;
       next_id();
       phase = (i == NS -> 2 : 1)
#else
#ifdef BROKEN_BLIND_PUT
     }
     atomic {
#endif
       d_step { put_deletion(); i = 0; next_id() };
       if
       :: ok ->
          if
          :: i == NS -> prune_forget(); break
          :: else -> phase = 1
          fi
       :: else -> skip
       fi
#endif
     }
  :: atomic {
       phase == 1 ->
       d_step {
         assert(i < NS);
         obj = obj & ~BIT(i);
         printf("prune deletes stratum %d\n", i);
         assert(INV1);
         i++;
         next_id()
       };
       if
       :: i == NS ->
#ifdef BROKEN_DELETE_EARLY
          phase = 2
#else
          prune_forget(); break
#endif
       :: else -> skip
       fi
     }
#ifdef BROKEN_DELETE_EARLY
  :: atomic {
       phase == 2 ->
       d_step { prefresh(); put_deletion() };
       if
       :: ok -> prune_forget(); break
       :: else -> skip
       fi
     }
#endif
  od
}

/* ---------------------------------------------------------------- restore (R1) */

/* a read lookup of grain g: any indexed copy in a stratum not deleted (s = NS: none).
 * Any copy, not only the newest: a superset of what the real lookup may return. */
inline lookup(g) {
  if
  :: (vcom & ~vdel & BIT(0)) != 0 && (content[0] & g) != 0 -> s = 0
  :: (vcom & ~vdel & BIT(1)) != 0 && (content[1] & g) != 0 -> s = 1
  :: (vcom & ~vdel & BIT(2)) != 0 && (content[2] & g) != 0 -> s = 2
  :: (vcom & ~vdel & BIT(3)) != 0 && (content[3] & g) != 0 -> s = 3
  :: else -> s = NS
  fi
}

#define FOUND (s < NS && (obj & BIT(s)) != 0)

inline restore_forget() {
  seen = 0; vcom = 0; vdel = 0; vlive = 0; vpend = 0; vcond = 0;
  x = 0; g = 0; s = 0; retry = 0
}

/* the first grain of the snapshot at or after g (g > G2: none) */
inline next_grain() {
  do
  :: g <= G2 && (snapg[x] & g) == 0 -> g = g << 1
  :: else -> break
  od
}

proctype Restore() {
  byte seen, vcom, vdel, vlive, vpend, vcond;
  byte x, g, s;
  bool retry;

  /* open, choose a live snapshot */
  atomic {
    d_step { refresh(vlive, unused2) };
    if
    :: (vlive & BIT(0)) != 0 -> x = 0
    :: (vlive & BIT(1)) != 0 -> x = 1
    :: (vlive & BIT(2)) != 0 -> x = 2
    :: (vlive & BIT(3)) != 0 -> x = 3
    fi;
    g = 1;
    next_grain();
    printf("R opens at seq %d: restores snapshot %d (grains %d)\n", seen, x, snapg[x])
  }
  /* one ranged read per grain, in order */
  do
  :: atomic {
       !retry ->
       lookup(g);
       printf("R reads grain %d from stratum %d: %d\n", g, s, FOUND);
       if
       :: FOUND ->
          s = 0;
          g = g << 1;
          next_grain();
          if
          :: g > G2 -> restore_forget(); break
          :: else -> skip
          fi
       :: else -> retry = 1
       fi
     }
  :: atomic {
       retry ->
       /* R1: NotFound: refresh the journal once and look the grain up again. (The
        * refresh and the read in one step: with one prune, no stratum the refresh
        * shows undeleted can be deleted later; README, "Findings".) */
#ifndef BROKEN_NO_REFRESH
       d_step { refresh(vlive, unused2) };
       lookup(g);
       printf("R refreshes to seq %d, reads grain %d from stratum %d: %d\n", seen, g, s, FOUND);
#ifdef REACH_R1
       assert(!FOUND);
#endif
#endif
       if
       :: FOUND ->
          s = 0;
          retry = 0;
          g = g << 1;
          next_grain();
          if
          :: g > G2 -> restore_forget(); break
          :: else -> skip
          fi
       :: else ->
          /* INV2: a restore of a committed snapshot that is still live finds every
           * grain */
          assert((glive & BIT(x)) == 0);
          restore_forget(); break  /* the restore ends with this grain's error */
       fi
     }
  od
}

/* ---------------------------------------------------------------- forget */
proctype Forget() {
  byte seen, vcom, vdel, vlive, vpend, vcond;
  byte x;
  bool ok;

  /* open, choose a live snapshot, put the record (on a conflict, the same step later) */
  do
  :: atomic {
       d_step { refresh(vlive, unused2) };
       if
       :: (vlive & BIT(0)) != 0 -> x = 0
       :: (vlive & BIT(1)) != 0 -> x = 1
       :: (vlive & BIT(2)) != 0 -> x = 2
       :: (vlive & BIT(3)) != 0 -> x = 3
       fi;
#ifdef BROKEN_BLIND_PUT
     }
     atomic {
#endif
       d_step {
         jput(seen + 1, ok);
         if
         :: ok ->
            jsnap[seen + 1] = BIT(x) << 4;
            printf("forget removes snapshot %d at seq %d\n", x, seen + 1);
            committed(seen + 1)
         :: else -> skip
         fi
       };
       if
       :: ok ->
          seen = 0; vcom = 0; vdel = 0; vlive = 0; vpend = 0; vcond = 0;
          x = 0; ok = 0;
          break
       :: else -> skip
       fi
     }
  od
}

init {
  atomic {
    /* record 1: stratum 0 holding g0 and g1; snapshot 0 = {g0}, snapshot 1 = {g1} */
    content[0] = G0 | G1;
    obj = BIT(0);
    snapg[0] = G0;
    snapg[1] = G1;
    snapg[2] = G1 | G2;  /* backup 1's */
    snapg[3] = G0 | G2;  /* backup 2's */
    jput_n[1] = 1;
    jstr[1] = BIT(0);
    jsnap[1] = BIT(0) | BIT(1);
    committed(1);
    run Backup(1, 2, 2, G1 | G2);
#ifndef NO_B2
    run Backup(2, 1, 3, G0 | G2);
#endif
    run Prune();
#ifndef NO_RESTORE
    run Restore();
#endif
    run Forget()
  }
}
