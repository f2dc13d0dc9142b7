package engine

import "github.com/offsync/offsync/filter"

// filterKind maps an attribute type to the filter language's kinds.
func filterKind(t AttrType) filter.Kind {
	switch t {
	case TypeString:
		return filter.KindString
	case TypeInt:
		return filter.KindInt
	case TypeFloat:
		return filter.KindFloat
	case TypeDecimal:
		return filter.KindDecimal
	case TypeBool:
		return filter.KindBool
	case TypeDateTime:
		return filter.KindDateTime
	case TypeChoice:
		return filter.KindChoice
	}
	return filter.KindGUID // guid and lookup
}

// compileFilter parses a rule's filter against its entity's attributes and
// the system attributes.
func compileFilter(def *EntityDef, src string) (*filter.Expr, error) {
	return filter.Parse(src, func(name string) (filter.Kind, bool) {
		switch name {
		case AttrID, AttrOwnerID, AttrOwningBusinessUnit:
			return filter.KindGUID, true
		case AttrCreatedOn, AttrModifiedOn:
			return filter.KindDateTime, true
		case AttrVersion:
			return filter.KindInt, true
		}
		if a := def.Attribute(name); a != nil {
			return filterKind(a.Type), true
		}
		return 0, false
	})
}

// DependsOnTime reports whether the rule's filter compares an attribute
// with today(): its rows can then enter or leave a view as days pass,
// with no write to them (a window alone does not count: devices drop
// rows that age out of it themselves).
func (r *Rule) DependsOnTime(sch *Schema) bool {
	def := sch.Entity(r.Entity)
	if def == nil || r.Filter == "" {
		return false
	}
	f, err := compileFilter(def, r.Filter)
	return err == nil && len(f.TimeTerms()) > 0
}
