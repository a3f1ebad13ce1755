package quantity

import "testing"

func TestQuantities(t *testing.T) {
	for _, c := range []struct {
		in  string
		cpu float64
		okC bool
		mem float64
		okM bool
	}{
		{in: "3", cpu: 3, okC: true},
		{in: "3.5", cpu: 3.5, okC: true},
		{in: "3500m", cpu: 3.5, okC: true},
		{in: "8Gi", mem: 8, okM: true},
		{in: "6144Mi", mem: 6, okM: true},
		{in: "3.5m"}, {in: "-1"}, {in: "3 "}, {in: "8G"}, {in: "8gi"}, {in: "1.5Gi"}, {in: ""},
	} {
		if v, ok := CPU(c.in); ok != c.okC || v != c.cpu {
			t.Errorf("CPU(%q) = %v, %v; want %v, %v", c.in, v, ok, c.cpu, c.okC)
		}
		if v, ok := MemoryGiB(c.in); ok != c.okM || v != c.mem {
			t.Errorf("MemoryGiB(%q) = %v, %v; want %v, %v", c.in, v, ok, c.mem, c.okM)
		}
	}
}
