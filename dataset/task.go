package dataset

import "github.com/offsync/offsync/codec"

// Task choices, in the order of the values they weigh.
var (
	priorityValues  = []int64{priorityLow, priorityNormal, priorityHigh}
	priorityWeights = []float64{0.1, 0.7, 0.2}
	stateValues     = []int64{stateOpen, stateCompleted, stateCanceled}
	// stateWeights by whether scheduledend is past, future or unknown.
	statePast    = []float64{0.2, 0.75, 0.05}
	stateFuture  = []float64{0.95, 0.03, 0.02}
	stateUnknown = []float64{0.6, 0.35, 0.05}
	// durations are actualdurationminutes of completed tasks.
	durations = []int64{30, 15, 60, 30, 45, 60, 90, 120, 30, 15}
)

// task builds row t of task. Tasks are regarding an opportunity (55%), an
// account (35%) or nothing, and usually owned by the regarding row's owner.
func (g *generator) task(t int) codec.Record {
	r := g.k.stream(kindTaskRow, t)
	w := g.w
	a := make(map[string]any, 9)
	created, modified := g.stamps(&r)
	a["createdon"], a["modifiedon"] = created, modified
	a["subject"] = w.taskSubjects[g.subject.pick(&r)]
	owner := ""
	switch p := r.float(); {
	case p < 0.55:
		k := g.oppPick.pick(&r)
		a["regardingobjectid"] = g.k.id(kindOpportunity, k)
		if r.chance(0.5) {
			owner = g.oppOwner(k)
		}
	case p < 0.9:
		j := g.accountPick.pick(&r)
		a["regardingobjectid"] = g.k.id(kindAccount, j)
		if r.chance(0.5) {
			owner = g.accountOwner(j)
		}
	default:
		absent(&r, a, "regardingobjectid")
	}
	if owner == "" {
		owner = g.drawOwner(&r)
	}
	states := stateUnknown
	if r.chance(0.85) {
		due := dayMillis(created/1000, r.between(1, 21)) + int64(r.between(8, 17))*3600*1000
		a["scheduledend"] = due
		states = stateFuture
		if due < g.nowSec*1000 {
			states = statePast
		}
	} else {
		absent(&r, a, "scheduledend")
	}
	a["prioritycode"] = priorityValues[r.weighted(priorityWeights)]
	state := stateValues[r.weighted(states)]
	a["statecode"] = state
	if state == stateCompleted {
		a["actualdurationminutes"] = durations[r.intn(len(durations))]
	}
	if r.chance(0.25) {
		a["description"] = g.description(&r, "")
	} else {
		absent(&r, a, "description")
	}
	return codec.Record{Op: codec.OpUpsert, Entity: "task", ID: g.k.id(kindTask, t), OwnerID: owner, Attrs: a}
}
