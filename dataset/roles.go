package dataset

import "github.com/offsync/offsync/engine"

// The security roles Org defines, by index into its Roles.
const (
	roleSalesperson = iota
	roleSalesManager
	roleSystemAdministrator
)

// Role names.
const (
	RoleSalesperson         = "Salesperson"
	RoleSalesManager        = "Sales Manager"
	RoleSystemAdministrator = "System Administrator"
)

// roles returns the three roles over every entity of s:
//   - Salesperson reads accounts and contacts of the business unit, and
//     works on its own rows: opportunities and tasks at user depth only;
//   - Sales Manager reads all accounts, and the rows of its business unit
//     and those below it;
//   - System Administrator has organization depth everywhere.
func roles(k keyer, s *engine.Schema) []engine.Role {
	const (
		usr = engine.DepthUser
		bu  = engine.DepthBusinessUnit
		pc  = engine.DepthParentChild
		org = engine.DepthOrganization
	)
	sales := map[string]engine.Privileges{}
	manager := map[string]engine.Privileges{}
	admin := map[string]engine.Privileges{}
	for _, e := range s.Entities {
		switch e.Name {
		case "account", "contact":
			sales[e.Name] = engine.Privileges{Create: usr, Read: bu, Write: usr, Delete: usr, Assign: usr, Append: bu}
		default:
			sales[e.Name] = engine.Privileges{Create: usr, Read: usr, Write: usr, Delete: usr, Assign: usr, Append: usr}
		}
		switch e.Name {
		case "account":
			manager[e.Name] = engine.Privileges{Create: usr, Read: org, Write: bu, Delete: bu, Assign: pc, Append: org}
		default:
			manager[e.Name] = engine.Privileges{Create: usr, Read: pc, Write: pc, Delete: bu, Assign: pc, Append: pc}
		}
		admin[e.Name] = engine.Privileges{Create: org, Read: org, Write: org, Delete: org, Assign: org, Append: org}
	}
	return []engine.Role{
		roleSalesperson:         {ID: k.id(kindRole, roleSalesperson), Name: RoleSalesperson, Privileges: sales},
		roleSalesManager:        {ID: k.id(kindRole, roleSalesManager), Name: RoleSalesManager, Privileges: manager},
		roleSystemAdministrator: {ID: k.id(kindRole, roleSystemAdministrator), Name: RoleSystemAdministrator, Privileges: admin},
	}
}
