package demo

// The fixed word lists the generator draws from. They are read, never written.

var firstNames = []string{
	"Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Sophia", "Mason", "Isabella", "Lucas",
	"Mia", "Oliver", "Amelia", "Elijah", "Harper", "James", "Evelyn", "Benjamin", "Abigail", "Henry",
	"Chloe", "Daniel", "Grace", "Samuel", "Zoë", "Mateo", "Priya", "Arjun", "Mei", "Wei",
	"Hiroshi", "Yuki", "Fatima", "Omar", "Aisha", "Kwame", "Amara", "Chidi", "Sofia", "Diego",
	"Camila", "José", "Lucía", "Andrés", "Ingrid", "Lars", "Freya", "Sven", "Anna", "Jonas",
	"Léa", "Hugo", "Chloé", "Louis", "Niamh", "Sean", "Siobhan", "Rhys", "Megan", "Callum",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
	"Walker", "Young", "Allen", "King", "Wright", "Scott", "Nguyen", "Hill", "Flores", "Green",
	"Patel", "Shah", "Chen", "Wang", "Kim", "Park", "Tanaka", "Sato", "Okafor", "Mensah",
	"O'Brien", "Murphy", "Kelly", "Müller", "Schmidt", "Schneider", "Dubois", "Moreau", "Jansen", "de Vries",
}

// asciiFold turns the accented letters of the name lists into ASCII for email addresses.
var asciiFold = map[rune]string{'é': "e", 'ë': "e", 'á': "a", 'í': "i", 'ó': "o", 'ú': "u", 'ü': "u", 'ö': "o", 'ä': "a"}

var streets = []string{
	"Maple Avenue", "Oak Street", "Cedar Lane", "Pine Road", "Elm Street", "Lakeview Drive", "Hillcrest Road",
	"Park Avenue", "Sunset Boulevard", "Willow Way", "Birch Court", "Meadow Lane", "River Road", "Chestnut Street",
	"Highland Avenue", "Forest Drive", "Spring Street", "Harbor View", "Orchard Lane", "Mill Road",
}

type city struct {
	name, region, country string
	postal                func(g *gen) string
}

var cities = []city{
	{"Springfield", "IL", "US", zip("627")}, {"Portland", "OR", "US", zip("972")}, {"Austin", "TX", "US", zip("787")},
	{"Columbus", "OH", "US", zip("432")}, {"Madison", "WI", "US", zip("537")}, {"Raleigh", "NC", "US", zip("276")},
	{"Denver", "CO", "US", zip("802")}, {"Sacramento", "CA", "US", zip("958")}, {"Boise", "ID", "US", zip("837")},
	{"Albany", "NY", "US", zip("122")}, {"Tucson", "AZ", "US", zip("857")}, {"Richmond", "VA", "US", zip("232")},
	{"Seattle", "WA", "US", zip("981")}, {"Atlanta", "GA", "US", zip("303")}, {"Minneapolis", "MN", "US", zip("554")},
	{"Toronto", "ON", "CA", canadianPostal("M")}, {"Vancouver", "BC", "CA", canadianPostal("V")},
	{"Manchester", "Greater Manchester", "GB", ukPostal("M")}, {"Leeds", "West Yorkshire", "GB", ukPostal("LS")},
	{"Berlin", "Berlin", "DE", dePostal("10")}, {"Munich", "Bavaria", "DE", dePostal("80")},
}

// currencies maps a country to the currency its orders are paid in.
var currencies = map[string]string{"US": "USD", "CA": "CAD", "GB": "GBP", "DE": "EUR"}

type product struct {
	sku, name, slug string
	cents           int64
	registrable     bool // a device with a serial number and a warranty
}

var products = []product{
	{"KP-P110-2PK", "Kactoily Smart Plug Mini P110 (2-pack)", "smart-plug-mini-p110", 2499, false},
	{"KP-P125-4PK", "Kactoily Smart Plug Mini P125 (4-pack)", "smart-plug-mini-p125", 3999, false},
	{"KP-EP40", "Kactoily Outdoor Smart Plug EP40", "outdoor-smart-plug-ep40", 2799, false},
	{"KC-C210", "Kactoily Pan/Tilt Home Security Camera C210", "security-camera-c210", 3499, true},
	{"KC-C320WS", "Kactoily Outdoor Security Camera C320WS", "outdoor-camera-c320ws", 5999, true},
	{"KC-C420S2", "Kactoily Wire-Free Camera System C420S2", "wire-free-camera-c420s2", 17999, true},
	{"KD-D230S1", "Kactoily Battery Video Doorbell D230S1", "video-doorbell-d230s1", 9999, true},
	{"KD-D130", "Kactoily Wired Video Doorbell D130", "wired-video-doorbell-d130", 5999, true},
	{"KV-RV30", "Kactoily Robot Vacuum & Mop RV30 Max Plus", "robot-vacuum-rv30-max-plus", 39999, true},
	{"KV-RV10", "Kactoily Robot Vacuum RV10", "robot-vacuum-rv10", 17999, true},
	{"KR-AX55", "Kactoily AX3000 Dual-Band Wi-Fi 6 Router R55", "wifi-6-router-r55", 10999, true},
	{"KR-BE97", "Kactoily BE9300 Tri-Band Wi-Fi 7 Router R97", "wifi-7-router-r97", 29999, true},
	{"KM-X20-3PK", "Kactoily Whole Home Mesh Wi-Fi 6 System X20 (3-pack)", "mesh-wifi-x20", 19999, true},
	{"KR-RE315", "Kactoily AC1200 Wi-Fi Range Extender RE315", "range-extender-re315", 3499, false},
	{"KA-E20", "Kactoily Wireless Earbuds Buds E20", "wireless-earbuds-e20", 4999, true},
	{"KA-E50P", "Kactoily Noise-Cancelling Earbuds Buds E50 Pro", "anc-earbuds-e50-pro", 8999, true},
	{"KB-PB20", "Kactoily 20000mAh USB-C Power Bank PB20", "power-bank-pb20", 3999, false},
	{"KB-PB10M", "Kactoily 10000mAh Magnetic Power Bank PB10M", "magnetic-power-bank-pb10m", 2999, false},
	{"KL-L530-4PK", "Kactoily Smart Wi-Fi Colour Bulb L530 (4-pack)", "smart-bulb-l530", 3999, false},
	{"KL-L900-5M", "Kactoily Smart LED Light Strip L900 (5 m)", "light-strip-l900", 2999, false},
	{"KH-H100", "Kactoily Smart Hub H100", "smart-hub-h100", 2999, false},
	{"KH-T310", "Kactoily Temperature & Humidity Sensor T310", "sensor-t310", 1999, false},
	{"KT-KE100", "Kactoily Smart Thermostat KE100", "smart-thermostat-ke100", 12999, true},
	{"KS-DL110", "Kactoily Smart Deadbolt Lock DL110", "smart-lock-dl110", 14999, true},
	{"KU-65W", "Kactoily 65W GaN USB-C Charger", "gan-charger-65w", 3599, false},
	{"KU-C100", "Kactoily USB-C to USB-C Cable (2 m)", "usb-c-cable-2m", 999, false},
}

type userAgent struct{ ua, browser, os string }

var userAgents = []userAgent{
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131", "Windows 10"},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1", "Mobile Safari 17.6", "iOS 17.6"},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133", "Windows 10"},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari 18.1", "macOS 10.15"},
	{"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome Mobile 131", "Android 10"},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge 131", "Windows 10"},
	{"Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", "Samsung Internet 26", "Android 14"},
	{"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133", "Ubuntu"},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131", "macOS 10.15"},
	{"Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1", "Mobile Safari 17.6", "iPadOS 17.6"},
}

// ipPrefixes are the documentation address ranges (RFC 5737), never real hosts.
var ipPrefixes = []string{"192.0.2.", "198.51.100.", "203.0.113."}

const site = "https://www.kactoily.com"

var sitePages = []string{
	"/", "/collections/smart-home", "/collections/networking", "/collections/security-cameras",
	"/collections/audio", "/collections/power", "/search?q=camera", "/search?q=robot+vacuum",
	"/search?q=mesh+wifi", "/cart", "/checkout", "/account", "/account/orders", "/account/devices",
	"/support", "/support/warranty", "/support/downloads", "/blog/secure-your-smart-home",
	"/blog/wifi-7-explained", "/deals",
}

var referrers = []string{
	"", "", "https://www.google.com/", "https://www.google.com/", "https://www.bing.com/",
	"https://duckduckgo.com/", "https://www.facebook.com/", "https://www.instagram.com/",
	"https://www.youtube.com/", "https://mail.example.com/newsletter",
}

var agentNames = []string{
	"Priya Raman", "Marcus Lee", "Sofia Alvarez", "Tomás Novak", "Hannah Becker", "Kwabena Asante", "Emily Carter",
}
