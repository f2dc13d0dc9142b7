package filter

import "strconv"

// Kind is an attribute's value type, as the caller declares it. It decides
// which operators and literals the attribute accepts and which Go type Eval
// expects from the row.
type Kind int

// The attribute kinds.
const (
	// KindString is text; Eval expects a string.
	KindString Kind = iota + 1
	// KindInt is a whole number; Eval expects an int64.
	KindInt
	// KindFloat is a binary floating-point number; Eval expects a float64.
	KindFloat
	// KindDecimal is an exact decimal; Eval expects a string such as
	// "1234.50".
	KindDecimal
	// KindBool is true or false; Eval expects a bool.
	KindBool
	// KindDateTime is an instant; Eval expects int64 unix milliseconds.
	KindDateTime
	// KindGUID is a GUID or lookup (including ownerid and
	// owningbusinessunit); Eval expects a string.
	KindGUID
	// KindChoice is an option set value; Eval expects an int64.
	KindChoice
)

// String returns the kind's name as used in error messages, such as
// "decimal".
func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindInt:
		return "int"
	case KindFloat:
		return "float"
	case KindDecimal:
		return "decimal"
	case KindBool:
		return "bool"
	case KindDateTime:
		return "datetime"
	case KindGUID:
		return "guid"
	case KindChoice:
		return "choice"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

func (k Kind) valid() bool { return k >= KindString && k <= KindChoice }

// ordered reports whether <, <=, > and >= apply to the kind.
func (k Kind) ordered() bool { return k != KindBool && k != KindGUID }
